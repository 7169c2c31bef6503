using System.Globalization;
using System.Text.Json;
using AiPersona;

namespace Microsoft.Extensions.AI;

/// <summary>Typed access to AiPersona's per-request settings on <see cref="ChatOptions"/>.</summary>
/// <remarks>The settings travel in <see cref="ChatOptions.AdditionalProperties"/>, as text, so options that carry them
/// serialize to JSON and read back from it; <see cref="PersonalizedChatClient"/> removes them before the request reaches
/// the model, so they never reach a provider.</remarks>
public static class ChatOptionsPersonaExtensions
{
    internal const string UserIdKey = "aipersona.user_id";
    internal const string ModeKey = "aipersona.mode";

    /// <summary>Sets the user the request is for.</summary>
    /// <param name="options">The options to change.</param>
    /// <param name="userId">The user id.</param>
    /// <returns>The same options.</returns>
    public static ChatOptions WithPersonaUser(this ChatOptions options, string userId)
    {
        ArgumentNullException.ThrowIfNull(options);
        UserIds.ThrowIfInvalid(userId);
        (options.AdditionalProperties ??= [])[UserIdKey] = userId;
        return options;
    }

    /// <summary>Gets the user set with <see cref="WithPersonaUser"/>.</summary>
    /// <remarks>Options that went through JSON (received from a client over HTTP) hold the id as a JSON string; it is read
    /// as well.</remarks>
    /// <param name="options">The options.</param>
    /// <returns>The user id, or <see langword="null"/>.</returns>
    /// <exception cref="InvalidOperationException">The setting holds something other than text.</exception>
    public static string? GetPersonaUser(this ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties || !properties.TryGetValue(UserIdKey, out var value))
        {
            return null;
        }

        return value switch
        {
            null or JsonElement { ValueKind: JsonValueKind.Null } => null,
            string userId => userId,
            JsonElement { ValueKind: JsonValueKind.String } json => json.GetString(),
            // The value is left out of the message: it may be a user id, and exception messages end up in logs.
            _ => throw new InvalidOperationException(
                $"ChatOptions.AdditionalProperties[\"{UserIdKey}\"] holds a {value.GetType().Name}, which is not a user id (text); set it with WithPersonaUser."),
        };
    }

    /// <summary>Sets how this request is personalized.</summary>
    /// <param name="options">The options to change.</param>
    /// <param name="mode">The mode.</param>
    /// <returns>The same options.</returns>
    public static ChatOptions WithPersonalization(this ChatOptions options, PersonalizationMode mode)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown personalization mode.");
        }

        // Kept as its name, which every JSON serializer writes (Microsoft.Extensions.AI's response cache makes its key from the
        // options as JSON, and its serializer has no metadata for this enum) and which reads back from JSON as it was.
        (options.AdditionalProperties ??= [])[ModeKey] = mode.ToString();
        return options;
    }

    /// <summary>Gets the mode set with <see cref="WithPersonalization"/>.</summary>
    /// <remarks>The mode is also read from its name (in any case) or its number, as options that went through JSON hold it.
    /// A value that names no mode throws rather than reading as <see cref="PersonalizationMode.Enabled"/>: the request may
    /// be meant to be private.</remarks>
    /// <param name="options">The options.</param>
    /// <returns>The mode; <see cref="PersonalizationMode.Enabled"/> when none was set.</returns>
    /// <exception cref="InvalidOperationException">The setting holds something that names no mode.</exception>
    public static PersonalizationMode GetPersonalization(this ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties || !properties.TryGetValue(ModeKey, out var value)
            || value is null or JsonElement { ValueKind: JsonValueKind.Null })
        {
            return PersonalizationMode.Enabled;
        }

        PersonalizationMode? mode = value switch
        {
            PersonalizationMode known => known,
            string name => ModeNamed(name),
            int or long or short or byte => ModeNumbered(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
            JsonElement { ValueKind: JsonValueKind.String } json => ModeNamed(json.GetString()!),
            JsonElement { ValueKind: JsonValueKind.Number } json when json.TryGetInt64(out var number) => ModeNumbered(number),
            _ => null,
        };
        return mode is { } read && Enum.IsDefined(read)
            ? read
            : throw new InvalidOperationException(
                $"ChatOptions.AdditionalProperties[\"{ModeKey}\"] holds {value} ({value.GetType().Name}), which names no {nameof(PersonalizationMode)} " +
                $"({string.Join(", ", Enum.GetNames<PersonalizationMode>())}); set it with WithPersonalization.");
    }

    private static PersonalizationMode? ModeNamed(string name)
    {
        var trimmed = name.AsSpan().Trim();
        foreach (var mode in Enum.GetValues<PersonalizationMode>())
        {
            if (trimmed.Equals(Enum.GetName(mode), StringComparison.OrdinalIgnoreCase))
            {
                return mode;
            }
        }

        return null;
    }

    // A number past int's range would wrap round to a defined mode (2^32 + 2 to Private): it names none.
    private static PersonalizationMode? ModeNumbered(long number)
        => number is >= int.MinValue and <= int.MaxValue ? (PersonalizationMode)(int)number : null;
}

using AiPersona;

namespace Microsoft.Extensions.AI;

/// <summary>Typed access to AiPersona's per-request settings on <see cref="ChatOptions"/>.</summary>
/// <remarks>The settings travel in <see cref="ChatOptions.AdditionalProperties"/>; <see cref="PersonalizedChatClient"/>
/// removes them before the request reaches the model, so they never reach a provider.</remarks>
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
    /// <param name="options">The options.</param>
    /// <returns>The user id, or <see langword="null"/>.</returns>
    public static string? GetPersonaUser(this ChatOptions? options)
        => options?.AdditionalProperties?.TryGetValue(UserIdKey, out string? userId) == true ? userId : null;

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

        (options.AdditionalProperties ??= [])[ModeKey] = mode;
        return options;
    }

    /// <summary>Gets the mode set with <see cref="WithPersonalization"/>.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The mode; <see cref="PersonalizationMode.Enabled"/> when none was set.</returns>
    public static PersonalizationMode GetPersonalization(this ChatOptions? options)
        => options?.AdditionalProperties?.TryGetValue(ModeKey, out PersonalizationMode mode) == true ? mode : PersonalizationMode.Enabled;
}

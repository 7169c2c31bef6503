using AiPersona;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.ML.Tokenizers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Counts the persona's tokens exactly, with the chat model's own tokenizer, instead of AiPersona's default
/// estimate from the characters (which older tokenizers, such as gpt-4's, exceed for Chinese, Greek or Hindi text).</summary>
public static class TokenizerAiPersonaBuilderExtensions
{
    /// <summary>Counts tokens with the Tiktoken tokenizer of an OpenAI model.</summary>
    /// <param name="builder">The builder from <c>AddAiPersona()</c>.</param>
    /// <param name="modelName">The model, for example <c>gpt-4o</c> or <c>gpt-4.1-mini</c>. Models of the o200k encoding
    /// work out of the box; for others (such as <c>gpt-4</c>, cl100k) add the matching
    /// <c>Microsoft.ML.Tokenizers.Data.*</c> package.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The model is unknown to Microsoft.ML.Tokenizers, or its vocabulary package is
    /// missing.</exception>
    public static IAiPersonaBuilder UseTiktokenTokenizer(this IAiPersonaBuilder builder, string modelName = "gpt-4o")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        TiktokenTokenizer tokenizer;
        try
        {
            tokenizer = TiktokenTokenizer.CreateForModel(modelName);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException or FileNotFoundException)
        {
            throw new ArgumentException(
                $"No Tiktoken tokenizer for model '{modelName}': the model is unknown to Microsoft.ML.Tokenizers, or its vocabulary " +
                "package (Microsoft.ML.Tokenizers.Data.*) is not referenced. Pass your own Tokenizer to UseTokenizer instead.",
                nameof(modelName),
                ex);
        }

        return builder.UseTokenizer(tokenizer);
    }

    /// <summary>Counts tokens with any Microsoft.ML.Tokenizers <see cref="Tokenizer"/> (Tiktoken, Llama, BPE, …).</summary>
    /// <param name="builder">The builder from <c>AddAiPersona()</c>.</param>
    /// <param name="tokenizer">The tokenizer of the chat model.</param>
    /// <returns>The builder.</returns>
    public static IAiPersonaBuilder UseTokenizer(this IAiPersonaBuilder builder, Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        builder.Services.Replace(ServiceDescriptor.Singleton<ITokenCounter>(new TokenizerTokenCounter(tokenizer)));
        return builder;
    }
}

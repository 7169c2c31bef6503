using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiPersona.Tests.DependencyInjection;

/// <summary>docs/recipes.md ("Your own persona fields") shows a schema in C# and then the same schema as
/// <c>appsettings.json</c>: bound as the recipe says, the JSON must give that schema, and nothing of the default one.</summary>
public sealed class DocumentedConfigurationTests
{
    [Fact]
    public void TheRecipesAppSettings_BindToTheSchemaItsCSharpBuilds()
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(RecipeJson()))).Build();
        var services = new ServiceCollection();
        services.AddAiPersona(configuration.GetSection("AiPersona"));
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptions<AiPersonaOptions>>().Value;

        Assert.Equal(3, options.SessionsPerUpdate);
        Assert.Equal(Describe(RecipeSchema()), Describe(options.Schema));
    }

    [Fact]
    public void TheRecipesAppSettings_WithAFieldsKeyMisspelt_FailAtStartUp()
    {
        var json = RecipeJson();
        Assert.Contains("\"Fields\"", json, StringComparison.Ordinal);
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.Replace("\"Fields\"", "\"Feilds\"", StringComparison.Ordinal))))
            .Build();
        var services = new ServiceCollection();
        services.AddAiPersona(configuration.GetSection("AiPersona"));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("'Feilds'", ex.Message, StringComparison.Ordinal);
    }

    // The schema the recipe's C# block builds.
    private static PersonaSchema RecipeSchema()
    {
        var schema = new PersonaSchema();
        schema.Sections.Add(new PersonaSectionDefinition("travel", "How the user travels.",
            new PersonaFieldDefinition("seat", "Preferred seat on planes and trains.", importance: 80),
            new PersonaFieldDefinition("loyalty_number", "Set by the app from the user's profile.", FieldPolicy.Locked),
            new PersonaFieldDefinition("health", "Never learn health data.", FieldPolicy.NeverStore)));
        return schema;
    }

    private static string RecipeJson()
    {
        var docs = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "recipes.md")).ReplaceLineEndings("\n");
        var recipe = docs.IndexOf("## Your own persona fields", StringComparison.Ordinal);
        Assert.True(recipe >= 0, "docs/recipes.md has no \"Your own persona fields\" section.");
        var start = docs.IndexOf("```json\n", recipe, StringComparison.Ordinal);
        var next = docs.IndexOf("\n## ", recipe + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && start < next, "The recipe has no ```json block.");
        start += "```json\n".Length;
        return docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
    }

    private static string Describe(PersonaSchema schema)
        => string.Join("\n", schema.Sections.SelectMany(s => s.Fields.Select(f =>
            $"{s.Name} ({s.Description}) / {f.Name} ({f.Description}) {f.Policy} {f.Importance}")))
           + $"\nunknown fields: {schema.AllowUnknownFields}, {schema.MaxUnknownFields}";
}

using Microsoft.Extensions.Configuration;

namespace AiPersona.Tests.Personas;

public sealed class PersonaSchemaBindingTests
{
    [Fact]
    public void Schema_BindsFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Schema:AllowUnknownFields"] = "true",
            ["Schema:Sections:0:Name"] = "cooking",
            ["Schema:Sections:0:Description"] = "Food habits",
            ["Schema:Sections:0:Fields:0:Name"] = "diet",
            ["Schema:Sections:0:Fields:0:Description"] = "Dietary choices",
            ["Schema:Sections:0:Fields:0:Importance"] = "80",
            ["Schema:Sections:0:Fields:1:Name"] = "allergies",
            ["Schema:Sections:0:Fields:1:Policy"] = "NeverStore",
        }).Build();

        var schema = configuration.GetSection("Schema").Get<PersonaSchema>()!;

        Assert.True(schema.AllowUnknownFields);
        var section = Assert.Single(schema.Sections);
        Assert.Equal("cooking", section.Name);
        Assert.Equal(80, schema.FindField("cooking", "diet")!.Importance);
        Assert.Equal(FieldPolicy.NeverStore, schema.FindField("COOKING", "Allergies")!.Policy);
        Assert.Equal(FieldPolicy.Learnable, schema.FindField("cooking", "diet")!.Policy);
    }
}

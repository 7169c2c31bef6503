namespace AiPersona.Tests.DependencyInjection;

public sealed class AiPersonaOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.True(new AiPersonaOptionsValidator().Validate(null, new AiPersonaOptions()).Succeeded);

    [Fact]
    public void OutOfRangeValues_FailWithMessagesNamingTheOption()
    {
        var options = new AiPersonaOptions
        {
            SessionsPerUpdate = 0,
            SessionIdleTimeout = TimeSpan.Zero,
            MaxValueLength = 5,
            MaxTranscriptCharacters = 10,
            MaxSaveAttempts = 0,
            MaxConcurrentUpdates = 0,
            UpdateRetryDelay = TimeSpan.FromDays(2),
            OptimizerChatClientKey = " ",
        };

        var result = new AiPersonaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        foreach (var name in new[] { "SessionsPerUpdate", "SessionIdleTimeout", "MaxValueLength", "MaxTranscriptCharacters", "MaxSaveAttempts", "MaxConcurrentUpdates", "UpdateRetryDelay", "OptimizerChatClientKey" })
        {
            Assert.Contains(name, result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LearnedSessionRetention_MayBeZeroButNotNegative()
    {
        var validator = new AiPersonaOptionsValidator();

        Assert.True(validator.Validate(null, new AiPersonaOptions { LearnedSessionRetention = TimeSpan.Zero }).Succeeded);
        var result = validator.Validate(null, new AiPersonaOptions { LearnedSessionRetention = TimeSpan.FromDays(-1) });
        Assert.True(result.Failed);
        Assert.Contains("LearnedSessionRetention", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_001)]
    public void MaxUnknownFields_OutOfRange_Fails(int value)
    {
        var options = new AiPersonaOptions();
        options.Schema.MaxUnknownFields = value;

        Assert.Contains("MaxUnknownFields", new AiPersonaOptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    public void MaxUnknownFields_AtTheEndsOfItsRange_IsValid(int value)
    {
        var options = new AiPersonaOptions();
        options.Schema.MaxUnknownFields = value;

        Assert.True(new AiPersonaOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void UpdateRetryDelay_MayBeOneDayButNotMore()
    {
        var validator = new AiPersonaOptionsValidator();

        Assert.True(validator.Validate(null, new AiPersonaOptions { UpdateRetryDelay = TimeSpan.FromDays(1) }).Succeeded);
        var result = validator.Validate(null, new AiPersonaOptions { UpdateRetryDelay = TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) });
        Assert.Contains("UpdateRetryDelay must be at most one day", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void OptimizerTimeout_MustBePositiveOrInfinite()
    {
        var validator = new AiPersonaOptionsValidator();

        Assert.True(validator.Validate(null, new AiPersonaOptions { OptimizerTimeout = Timeout.InfiniteTimeSpan }).Succeeded);
        Assert.Contains("OptimizerTimeout", validator.Validate(null, new AiPersonaOptions { OptimizerTimeout = TimeSpan.Zero }).FailureMessage, StringComparison.Ordinal);
    }

    // Each of these is a wait or a date computed from the option: past the bound, .NET's timers refuse it (a timer takes at
    // most 49 days, Task.Wait 24) or the date falls outside DateTimeOffset, and the library would throw where it is used
    // (every persona update, or disposal) instead of at start-up.
    [Theory]
    [InlineData(nameof(AiPersonaOptions.OptimizerTimeout), "must be positive and at most one day")]
    [InlineData(nameof(AiPersonaOptions.ShutdownTimeout), "must be at most one day")]
    public void WaitsOfAtMostOneDay_AreValid_LongerOnesFailWithAMessageSayingSo(string option, string message)
    {
        var validator = new AiPersonaOptionsValidator();
        AiPersonaOptions With(TimeSpan value) => option == nameof(AiPersonaOptions.OptimizerTimeout)
            ? new AiPersonaOptions { OptimizerTimeout = value }
            : new AiPersonaOptions { ShutdownTimeout = value };

        Assert.True(validator.Validate(null, With(TimeSpan.FromDays(1))).Succeeded);
        foreach (var value in new[] { TimeSpan.FromDays(1) + TimeSpan.FromTicks(1), TimeSpan.FromDays(60), TimeSpan.MaxValue })
        {
            Assert.Contains($"AiPersonaOptions.{option} {message}", validator.Validate(null, With(value)).FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LearnedSessionRetention_MayBeAHundredYearsButNotMore()
    {
        var validator = new AiPersonaOptionsValidator();

        Assert.True(validator.Validate(null, new AiPersonaOptions { LearnedSessionRetention = TimeSpan.FromDays(36_500) }).Succeeded);
        foreach (var value in new[] { TimeSpan.FromDays(36_501), TimeSpan.MaxValue })
        {
            var result = validator.Validate(null, new AiPersonaOptions { LearnedSessionRetention = value });
            Assert.Contains("LearnedSessionRetention must be at most 36500 days (100 years), or null", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void OptimizerTemperature_IsNoneOrBetween0And2()
    {
        var validator = new AiPersonaOptionsValidator();

        Assert.All(new float?[] { null, 0f, 0.7f, 2f }, t => Assert.True(validator.Validate(null, new AiPersonaOptions { OptimizerTemperature = t }).Succeeded));
        Assert.All(
            new float?[] { -0.1f, 2.1f, float.NaN },
            t => Assert.Contains("OptimizerTemperature must be between 0 and 2", validator.Validate(null, new AiPersonaOptions { OptimizerTemperature = t }).FailureMessage, StringComparison.Ordinal));
    }

    [Fact]
    public void WhatConfigurationBindingCanLeaveHalfFilled_FailsWithAMessageSayingWhere()
    {
        // A section or field whose "Name" key is missing, a misspelt enum cast from a number.
        var options = new AiPersonaOptions { UpdateMode = (PersonaUpdateMode)7 };
        options.Schema.Sections.Add(new PersonaSectionDefinition { Description = "no name" });
        options.Schema.Sections.Add(new PersonaSectionDefinition("health", "h", new PersonaFieldDefinition { Description = "no name" }, new PersonaFieldDefinition("diet", "d", (FieldPolicy)9)));

        var message = new AiPersonaOptionsValidator().Validate(null, options).FailureMessage;

        Assert.Contains("UpdateMode has an unknown value '7'", message, StringComparison.Ordinal);
        Assert.Contains("a section without a name", message, StringComparison.Ordinal);
        Assert.Contains("section 'health' has a field without a name", message, StringComparison.Ordinal);
        Assert.Contains("'health.diet' has an unknown policy '9'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullSectionsAndFields_FailWithAMessage_NotANullReferenceException()
    {
        var options = new AiPersonaOptions();
        options.Schema.Sections[0].Fields.Add(null!);
        options.Schema.Sections.Add(null!);

        var message = new AiPersonaOptionsValidator().Validate(null, options).FailureMessage;

        Assert.Contains("a section without a name", message, StringComparison.Ordinal);
        Assert.Contains("section 'demographics' has a field without a name", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingOrEmptySchema_Fails()
    {
        var validator = new AiPersonaOptionsValidator();
        var empty = new AiPersonaOptions();
        empty.Schema.Sections.Clear();

        Assert.Contains("Schema must not be null", validator.Validate(null, new AiPersonaOptions { Schema = null! }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Schema has no section", validator.Validate(null, empty).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenSchema_Fails()
    {
        var options = new AiPersonaOptions();
        options.Schema.Sections.Add(new PersonaSectionDefinition("Demographics", "dup"));
        options.Schema.Sections[1].Fields.Add(new PersonaFieldDefinition("values_and_interests", "dup", importance: 500));
        options.Schema.Sections.Add(new PersonaSectionDefinition("My-Patterns", "variant", new PersonaFieldDefinition("a b", "1"), new PersonaFieldDefinition("A_B", "2")));
        options.Schema.Sections.Add(new PersonaSectionDefinition("my patterns", "variant"));
        options.Schema.Sections.Add(new PersonaSectionDefinition("viagem", "composed", new PersonaFieldDefinition("ma\u00F1ana", "1"), new PersonaFieldDefinition("man\u0303ana", "2")));

        var result = new AiPersonaOptionsValidator().Validate(null, options);

        Assert.Contains("section 'Demographics' twice", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("field 'values_and_interests' twice", result.FailureMessage, StringComparison.Ordinal);
        // Spelling variants, which the optimizer's edits are matched to as one name.
        Assert.Contains("section 'my patterns' twice", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("field 'A_B' twice", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("field 'man\u0303ana' twice", result.FailureMessage, StringComparison.Ordinal); // a decomposed "ñ"
        Assert.Contains("Importance", result.FailureMessage, StringComparison.Ordinal);
    }
}

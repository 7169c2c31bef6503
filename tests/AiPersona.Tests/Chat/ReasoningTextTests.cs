namespace AiPersona.Tests.Chat;

public sealed class ReasoningTextTests
{
    [Theory]
    [InlineData("<think>She may be vegan.</think>\n\nThree places near you.", "Three places near you.")]
    [InlineData("  <THINK>\nvegan?\n</THINK> Three places.", "Three places.")]
    [InlineData("She may be vegan.\n</think>\n\nThree places near you.", "Three places near you.")] // the template opened it
    [InlineData("</think>\n\nThree places near you.", "Three places near you.")] // ... and the model did not think
    [InlineData("Wrap it: <think>reasoning</think> and strip it before showing.", "Wrap it: <think>reasoning</think> and strip it before showing.")]
    [InlineData("Three places near you.", "Three places near you.")]
    [InlineData("", "")]
    public void WithoutLeading_DropsOnlyTheThinkingThatStartsTheReply(string reply, string shown)
        => Assert.Equal(shown, ReasoningText.WithoutLeading(reply));
}

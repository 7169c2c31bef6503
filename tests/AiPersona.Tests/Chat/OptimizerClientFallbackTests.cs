namespace AiPersona.Tests.Chat;

/// <summary>The client a personalized client lends the optimizer: it is disposed only when every loan is back.</summary>
public sealed class OptimizerClientFallbackTests
{
    [Fact]
    public async Task Withdrawing_WaitsForEveryLoan_NotOnlyTheFirstReturned()
    {
        var fallback = new OptimizerClientFallback();
        var client = new TestChatClient();
        fallback.Offer(client);
        var first = fallback.Borrow()!.Value;
        var second = fallback.Borrow()!.Value;

        var withdrawn = fallback.WithdrawAsync(client);
        Assert.False(withdrawn.IsCompleted);
        Assert.Null(fallback.Borrow()); // no new loans of a withdrawn client

        await first.DisposeAsync();
        await first.DisposeAsync(); // a loan returned twice counts once
        Assert.False(withdrawn.IsCompleted);

        await second.DisposeAsync();
        Assert.True(withdrawn.IsCompleted);
    }

    [Fact]
    public async Task LoansReturnedBeforeALaterOne_DoNotLetTheWithdrawalSkipIt()
    {
        var fallback = new OptimizerClientFallback();
        var client = new TestChatClient();
        fallback.Offer(client);
        await fallback.Borrow()!.Value.DisposeAsync(); // every loan back, the client still offered
        var later = fallback.Borrow()!.Value;

        var withdrawn = fallback.WithdrawAsync(client);
        Assert.False(withdrawn.IsCompleted);

        await later.DisposeAsync();
        Assert.True(withdrawn.IsCompleted);
    }

    [Fact]
    public void TheFirstOfferWins_UntilItIsWithdrawn_ThenTheNextOneIsLent()
    {
        var fallback = new OptimizerClientFallback();
        var first = new TestChatClient();
        var second = new TestChatClient();
        Assert.Null(fallback.Borrow());

        fallback.Offer(first);
        fallback.Offer(second);
        Assert.Same(first, fallback.Borrow()!.Value.Client);
        Assert.True(fallback.WithdrawAsync(second).IsCompleted); // not the offered one: nothing to wait for, nothing withdrawn
        Assert.Same(first, fallback.Borrow()!.Value.Client);

        _ = fallback.WithdrawAsync(first);
        fallback.Offer(second);
        Assert.Same(second, fallback.Borrow()!.Value.Client);
    }
}

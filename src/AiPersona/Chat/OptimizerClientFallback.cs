using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>The chat client the default optimizer uses when the app registered none: the client wrapped by the first
/// <see cref="PersonalizedChatClient"/> built from the same service provider.</summary>
/// <remarks>This keeps <c>new PersonalizedChatClient(client, services)</c> and <c>client.AsBuilder().UsePersonalization()</c>
/// working without a DI-registered <see cref="IChatClient"/>. A registered client (keyed or not) always takes precedence.
/// The loans of a client are counted, so the personalized client that lent it waits for those alone before disposing
/// it.</remarks>
internal sealed class OptimizerClientFallback
{
    private readonly Lock _gate = new();
    private Lender? _current;

    /// <summary>Offers a client; the first offer wins until it is withdrawn.</summary>
    /// <param name="client">The client a personalized client wraps.</param>
    public void Offer(IChatClient client)
    {
        lock (_gate)
        {
            _current ??= new Lender(client);
        }
    }

    /// <summary>Borrows the offered client for one call.</summary>
    /// <returns>The loan, to dispose when the call is done; <see langword="null"/> when no client is offered.</returns>
    public ChatClientLoan? Borrow()
    {
        lock (_gate)
        {
            if (_current is not { } lender)
            {
                return null;
            }

            lender.Loans++;
            return new ChatClientLoan(lender.Client, new Loan(this, lender));
        }
    }

    /// <summary>Withdraws a client that is about to be disposed, so no call borrows it from now on; the next personalized
    /// client built offers its own.</summary>
    /// <param name="client">The client offered earlier.</param>
    /// <returns>A task that completes when every loan of <paramref name="client"/> is returned (at once when it was not
    /// the offered client, or is not lent).</returns>
    public Task WithdrawAsync(IChatClient client)
    {
        lock (_gate)
        {
            if (_current is not { } lender || !ReferenceEquals(lender.Client, client))
            {
                return Task.CompletedTask;
            }

            _current = null;
            lender.Withdrawn = true;
            return lender.Loans == 0 ? Task.CompletedTask : lender.Returned.Task;
        }
    }

    private void Return(Lender lender)
    {
        lock (_gate)
        {
            if (--lender.Loans == 0 && lender.Withdrawn)
            {
                lender.Returned.TrySetResult();
            }
        }
    }

    private sealed class Lender(IChatClient client)
    {
        public IChatClient Client { get; } = client;

        public int Loans { get; set; }

        public bool Withdrawn { get; set; }

        public TaskCompletionSource Returned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Loan(OptimizerClientFallback owner, Lender lender) : IAsyncDisposable
    {
        private int _returned;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                owner.Return(lender);
            }

            return ValueTask.CompletedTask;
        }
    }
}

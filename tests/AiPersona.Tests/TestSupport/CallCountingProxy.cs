using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace AiPersona.Tests;

/// <summary>Forwards every call of an interface to a real implementation and counts the calls by method name: for tests
/// of what an operation costs (which store calls it makes), with the real behaviour underneath. Not sealed:
/// <see cref="DispatchProxy"/> derives from it.</summary>
public class CallCountingProxy<T> : DispatchProxy
    where T : class
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private T? _inner;

    /// <summary>Wraps <paramref name="inner"/>: the proxy to hand to the code under test, and its counts.</summary>
#pragma warning disable CA1000 // the type argument is the interface wrapped: CallCountingProxy<ISessionStore>.Wrap(store) reads as intended
    public static (T Proxy, CallCountingProxy<T> Counter) Wrap(T inner)
    {
        var proxy = Create<T, CallCountingProxy<T>>();
        var counter = (CallCountingProxy<T>)(object)proxy;
        counter._inner = inner;
        return (proxy, counter);
    }
#pragma warning restore CA1000

    public int Count(string methodName) => _calls.GetValueOrDefault(methodName);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        _calls.AddOrUpdate(targetMethod.Name, 1, static (_, n) => n + 1);
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}

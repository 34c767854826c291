using System.Reflection;
using System.Reflection.Emit;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;

namespace FrontFunctions.LocalHost;

/// <summary>
/// Runs the queue-triggered functions with the WebJobs SDK storage-queue extension, the listener the Functions host
/// itself uses: the same polling, batch, visibility and dequeue-count behaviour, the same <c>-poison</c> queue.
/// Its settings come from host.json's <c>extensions.queues</c>, as on the Functions host.
/// <para>The WebJobs SDK indexes methods carrying its own attributes, so for each <c>[QueueTrigger]</c> function of the
/// <see cref="FunctionCatalog"/> a forwarding method is generated with the same name, queue, connection and parameters
/// (as the Functions host generates its own from function metadata): nothing here is written per function.</para>
/// </summary>
internal static class QueueListener
{
    public static void AddQueueListener(this ConfigureHostBuilder host, IConfiguration configuration, IReadOnlyList<DeclaredFunction> functions)
    {
        host.ConfigureWebJobs(webJobs =>
        {
            webJobs.AddAzureStorageQueues(options => configuration.GetSection(HostJson.Prefix + ":extensions:queues").Bind(options));
            webJobs.Services.AddSingleton<ITypeLocator>(new QueueTriggerTypes(QueueTriggerTypes.For(functions)));
        });
    }
}

/// <summary>The WebJobs SDK's view of the app: one generated type whose methods are the queue-triggered functions.</summary>
internal sealed class QueueTriggerTypes(Type generated) : ITypeLocator
{
    private static readonly Dictionary<string, Type> Generated = new(StringComparer.Ordinal);

    public IReadOnlyList<Type> GetTypes() => [generated];

    /// <summary>The generated type for these functions' queue triggers (once per set and process: types cannot be unloaded).</summary>
    public static Type For(IReadOnlyList<DeclaredFunction> functions)
    {
        var queued = functions.Where(f => f.Queue is not null).ToList();
        var key = string.Join("|", queued.Select(f => $"{f.Name}:{f.Method.DeclaringType!.AssemblyQualifiedName}.{f.Method.Name}"));
        lock (Generated)
        {
            if (!Generated.TryGetValue(key, out var type))
            {
                type = Generate(queued, Generated.Count);
                Generated[key] = type;
            }

            return type;
        }
    }

    /// <summary>
    /// <c>public Task {Name}([QueueTrigger(queue, Connection = …)] T trigger, …same parameters…) =&gt;
    /// InvokeAsync("{Name}", [arguments]);</c> on a subclass of <see cref="QueueFunctionInvoker"/>, with
    /// <c>[FunctionName("{Name}")]</c>. The WebJobs SDK binds each parameter by its type and name (message text, dequeue count,
    /// cancellation token), exactly as the worker receives them from the Functions host.
    /// </summary>
    private static Type Generate(IReadOnlyList<DeclaredFunction> functions, int number)
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName($"FrontFunctions.LocalHost.QueueTriggers{number}"), AssemblyBuilderAccess.Run);
        var module = assembly.DefineDynamicModule("FrontFunctions.LocalHost.QueueTriggers");
        var type = module.DefineType("FrontFunctions.LocalHost.QueueTriggers", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, typeof(QueueFunctionInvoker));

        var baseConstructor = typeof(QueueFunctionInvoker).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(IServiceProvider)])!;
        var constructor = type.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard, [typeof(IServiceProvider)]);
        var il = constructor.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Call, baseConstructor);
        il.Emit(OpCodes.Ret);

        var invoke = typeof(QueueFunctionInvoker).GetMethod(nameof(QueueFunctionInvoker.InvokeAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;
        var functionNameAttribute = typeof(FunctionNameAttribute).GetConstructor([typeof(string)])!;
        var queueTriggerAttribute = typeof(Microsoft.Azure.WebJobs.QueueTriggerAttribute).GetConstructor([typeof(string)])!;
        var connectionProperty = typeof(Microsoft.Azure.WebJobs.QueueTriggerAttribute).GetProperty(nameof(Microsoft.Azure.WebJobs.QueueTriggerAttribute.Connection))!;
        foreach (var function in functions)
        {
            var parameters = function.Method.GetParameters();
            if (parameters.FirstOrDefault(p => p.ParameterType == typeof(FunctionContext)) is { } unsupported)
            {
                throw new NotSupportedException($"The local host cannot bind parameter '{unsupported.Name}' (FunctionContext) of function {function.Name}.");
            }

            var method = type.DefineMethod(function.Name, MethodAttributes.Public, typeof(Task), parameters.Select(p => p.ParameterType).ToArray());
            method.SetCustomAttribute(new CustomAttributeBuilder(functionNameAttribute, [function.Name]));
            for (var i = 0; i < parameters.Length; i++)
            {
                var parameter = method.DefineParameter(i + 1, ParameterAttributes.None, parameters[i].Name);
                if (parameters[i] == function.TriggerParameter)
                {
                    parameter.SetCustomAttribute(new CustomAttributeBuilder(
                        queueTriggerAttribute, [function.Queue!.QueueName], [connectionProperty], [function.Queue.Connection]));
                }
            }

            var body = method.GetILGenerator();
            body.Emit(OpCodes.Ldarg_0);
            body.Emit(OpCodes.Ldstr, function.Name);
            body.Emit(OpCodes.Ldc_I4, parameters.Length);
            body.Emit(OpCodes.Newarr, typeof(object));
            for (var i = 0; i < parameters.Length; i++)
            {
                body.Emit(OpCodes.Dup);
                body.Emit(OpCodes.Ldc_I4, i);
                body.Emit(OpCodes.Ldarg, i + 1);
                if (parameters[i].ParameterType.IsValueType)
                {
                    body.Emit(OpCodes.Box, parameters[i].ParameterType);
                }

                body.Emit(OpCodes.Stelem_Ref);
            }

            body.Emit(OpCodes.Call, invoke);
            body.Emit(OpCodes.Ret);
        }

        return type.CreateType();
    }
}

/// <summary>Base of the generated queue-trigger type: calls the function class's method with the arguments the SDK bound.</summary>
public abstract class QueueFunctionInvoker
{
    private readonly IServiceProvider _services;

    protected QueueFunctionInvoker(IServiceProvider services) => _services = services;

    protected internal async Task InvokeAsync(string functionName, object?[] arguments)
    {
        var function = _services.GetRequiredService<ServedFunctions>().Named(functionName);
        var instance = function.Method.IsStatic ? null : _services.GetRequiredService(function.FunctionClass);
        if (function.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, arguments, null) is Task task)
        {
            await task.ConfigureAwait(false);
        }
    }
}

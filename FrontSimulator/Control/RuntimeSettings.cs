namespace FrontSimulator.Control;

/// <summary>The settings the control API changes at run time, restored from <see cref="SimulatorOptions"/> on reset.</summary>
internal sealed class RuntimeSettings
{
    private readonly SimulatorOptions _options;
    private readonly object _gate = new();
    private NotificationSettings _notifications = new();
    private int _importDelayMs;

    public RuntimeSettings(SimulatorOptions options)
    {
        _options = options;
        Reset();
    }

    public void Reset()
    {
        lock (_gate)
        {
            _importDelayMs = _options.ImportDelayMs;
            _notifications = new NotificationSettings
            {
                DelayMs = _options.NotificationDelayMs,
                IncludeExternalId = _options.IncludeExternalId,
                IncludeMessageUid = _options.IncludeMessageUid,
                Duplicate = false,
                DuplicateRate = 0,
                OutOfOrder = false,
                OutOfOrderRate = 0,
                TimeoutMs = 10_000,
                MaxAttempts = _options.NotificationMaxAttempts,
                RetryBaseDelayMs = _options.NotificationRetryBaseDelayMs,
            };
        }
    }

    /// <summary>Every field is set (never null).</summary>
    public NotificationSettings Notifications
    {
        get
        {
            lock (_gate)
            {
                return _notifications;
            }
        }
    }

    public int ImportDelayMs
    {
        get
        {
            lock (_gate)
            {
                return _importDelayMs;
            }
        }
        set
        {
            lock (_gate)
            {
                _importDelayMs = value;
            }
        }
    }

    public void Update(NotificationSettings change)
    {
        lock (_gate)
        {
            var n = _notifications;
            _notifications = new NotificationSettings
            {
                DelayMs = change.DelayMs ?? n.DelayMs,
                IncludeExternalId = change.IncludeExternalId ?? n.IncludeExternalId,
                IncludeMessageUid = change.IncludeMessageUid ?? n.IncludeMessageUid,
                Duplicate = change.Duplicate ?? n.Duplicate,
                DuplicateRate = change.DuplicateRate ?? n.DuplicateRate,
                OutOfOrder = change.OutOfOrder ?? n.OutOfOrder,
                OutOfOrderRate = change.OutOfOrderRate ?? n.OutOfOrderRate,
                TimeoutMs = change.TimeoutMs ?? n.TimeoutMs,
                MaxAttempts = change.MaxAttempts ?? n.MaxAttempts,
                RetryBaseDelayMs = change.RetryBaseDelayMs ?? n.RetryBaseDelayMs,
            };
        }
    }
}

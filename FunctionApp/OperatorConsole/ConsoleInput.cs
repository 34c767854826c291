using FrontFunctions.Failures;

namespace FrontFunctions.OperatorConsole;

/// <summary>Checks of the console's inputs that the JSON shape alone does not make.</summary>
public static class ConsoleInput
{
    /// <summary>
    /// Why <paramref name="failureId"/> cannot name a failure row, or null. A failure id is a table RowKey as
    /// <c>DeliveryFailures</c> writes it (encoded: never <c>/ \ # ?</c> nor a control character, which Table storage does
    /// not allow in a key), so such an id is a bad request — answered 400 here rather than a storage error (500).
    /// </summary>
    public static string? FailureIdProblem(string failureId)
    {
        foreach (var c in failureId)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                return "failure_id cannot contain '/', '\\', '#', '?' or control characters: give a failure_id as the failures list shows it.";
            }
        }

        return null;
    }
}

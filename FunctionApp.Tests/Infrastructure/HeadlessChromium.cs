using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// A real headless Chromium driven by Selenium: Debian's <c>chromium</c> and <c>chromium-driver</c> packages, which
/// <c>scripts/test.sh</c> installs. Nothing is downloaded at test time; without them the test fails saying what to install.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    private HeadlessChromium(ChromeDriver driver) => Driver = driver;

    public ChromeDriver Driver { get; }

    public static HeadlessChromium Start()
    {
        var browser = Find("chromium") ?? Find("chromium-browser");
        var driverPath = Find("chromedriver");
        Assert.True(browser is not null && driverPath is not null,
            "The console tests need Debian's chromium and chromium-driver: run `bash scripts/test.sh` (it installs them) " +
            "or `apt-get install -y chromium chromium-driver`.");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = browser };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1150",
            "--no-first-run", "--disable-extensions", "--lang=en-US");
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
        return new HeadlessChromium(driver);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="deadline"/> passes (then fails, saying what).</summary>
    public async Task WaitAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (StaleElementReferenceException)
            {
                // the page replaced the rows while we read them: read again
            }

            Assert.True(DateTime.UtcNow < until, $"Timed out waiting for {what}. Page state: {Driver.FindElement(By.Id("key-state")).Text}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Reads from the page, again when the page replaced what was being read (it rebuilds its tables every few seconds, and
    /// an element read across a rebuild is stale).
    /// </summary>
    public static T Read<T>(Func<T> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return read();
            }
            catch (StaleElementReferenceException) when (attempt < 20)
            {
            }
        }
    }

    /// <summary>Saves a PNG of the page under the test output folder and returns its path.</summary>
    public string Screenshot(string name)
    {
        var directory = Environment.GetEnvironmentVariable("FRONTFUNCTIONS_SCREENSHOTS")
            ?? Path.Combine(AppContext.BaseDirectory, "TestResults", "console-screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        // The whole page, not the viewport: the window grows to the document's height for the shot.
        var window = Driver.Manage().Window;
        var size = window.Size;
        var height = Convert.ToInt32(((IJavaScriptExecutor)Driver).ExecuteScript("window.scrollTo(0, 0); return document.documentElement.scrollHeight;"),
            System.Globalization.CultureInfo.InvariantCulture);
        window.Size = new System.Drawing.Size(size.Width, Math.Clamp(height + (size.Height - ViewportHeight()), size.Height, 6000));
        Driver.GetScreenshot().SaveAsFile(path);
        window.Size = size;
        Console.WriteLine($"Screenshot: {path}");
        return path;
    }

    private int ViewportHeight() =>
        Convert.ToInt32(((IJavaScriptExecutor)Driver).ExecuteScript("return window.innerHeight;"), System.Globalization.CultureInfo.InvariantCulture);

    private static string? Find(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}

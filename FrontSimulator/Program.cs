// Placeholder: the Front simulator is built under issue 3.
Console.WriteLine("FrontSimulator: not built yet");

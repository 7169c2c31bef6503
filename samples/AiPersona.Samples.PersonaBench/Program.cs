using System.Diagnostics;
using System.Text.Json;
using AiPersona.Evaluation;
using AiPersona.Samples;
using AiPersona.Samples.PersonaBench;

BenchArguments arguments;
try
{
    arguments = BenchArguments.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchArguments.Usage);
    return 2;
}

if (arguments.Help)
{
    Console.WriteLine(BenchArguments.Usage);
    return 0;
}

PersonaBenchModels models;
try
{
    models = ModelFactory.Create(arguments);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

BenchmarkDataset dataset;
try
{
    dataset = LoadDataset(arguments.DatasetPath).Take(arguments.Personas, arguments.Scenes);
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
{
    Console.Error.WriteLine($"The dataset '{arguments.DatasetPath}' cannot be read: {ex.Message}");
    return 2;
}

var problems = BenchmarkDatasetValidator.Validate(dataset);
if (problems.Count > 0)
{
    Console.Error.WriteLine($"The dataset '{arguments.DatasetPath}' is not valid ({problems.Count} problems; docs/evaluation.md describes the shape):");
    foreach (var problem in problems.Take(20))
    {
        Console.Error.WriteLine("  " + problem);
    }

    return 2;
}

// A model name such as "library/llama3.2:8b" becomes one safe folder name on every OS; a dataset of one's own gets its
// own folder, as a run resumes only with the dataset it started with.
var runName = SafeName((arguments.Provider is null ? "simulation" : $"{arguments.Provider}-{arguments.Model}")
    + (arguments.DatasetPath is null ? string.Empty : "-" + Path.GetFileNameWithoutExtension(arguments.DatasetPath)));
var output = Path.GetFullPath(arguments.OutputDirectory ?? Path.Combine("personabench-results", runName));
if (arguments.Fresh)
{
    try
    {
        PersonaBenchRunner.DeleteResults(output); // what runs wrote there, and nothing else
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
        return OutputFailed(ex);
    }
}

Console.WriteLine($"PersonaBench — {dataset.Name}: {dataset.Personas.Count} personas × {dataset.Personas.Max(p => p.Scenes.Count)} scenes, {arguments.Settings.Count} settings");
Console.WriteLine($"Models: {models.Description}");
if (models.IsSimulation)
{
    Console.WriteLine("SIMULATION: scripted models stand in for every role, to check the pipeline offline. The scores below measure nothing about any model.");
}

Console.WriteLine($"Results and resume state: {output}");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
    Console.WriteLine("\nStopping; finished sessions are kept and the next run resumes from them.");
};

var runner = new PersonaBenchRunner(models, new PersonaBenchOptions
{
    OutputDirectory = output,
    MaxParallelism = arguments.Parallel ?? (models.IsSimulation ? 4 : 1),
    Temperature = arguments.Temperature,
});
var watch = Stopwatch.StartNew();
PersonaBenchReport report;
try
{
    report = await runner.RunAsync(dataset, arguments.Settings, new ProgressLine(), cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    return 130;
}
catch (PersonaBenchOutputConflictException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
{
    // InvalidDataException: a file under state/ damaged by hand, named in the message and left as it is.
    return OutputFailed(ex);
}
catch (Exception ex) when (ModelCallFailures.Is(ex))
{
    // The clients retry what is worth retrying; what still fails (a timeout too) ends the run, and a run started again
    // resumes.
    Console.Error.WriteLine();
    Console.Error.WriteLine($"A model call failed: {ModelCallFailures.Describe(ex)}");
    Console.Error.WriteLine($"What finished is kept in {output}; run the same command again to resume from there.");
    return 1;
}

Console.WriteLine();
Console.WriteLine();
Console.WriteLine(ReportWriter.ToTable(report));
Console.WriteLine($"Finished in {watch.Elapsed.TotalSeconds:0.0} s. Files: {Path.Combine(output, "report.json")}, summary.csv, sessions.csv, sessions.jsonl");
Console.WriteLine("How this table relates to the paper's Table 1: docs/evaluation.md (the paper's figures are not copied there yet).");
return 0;

static BenchmarkDataset LoadDataset(string? path)
{
    if (path is null)
    {
        return BenchmarkDataset.LoadMini();
    }

    if (Directory.Exists(path))
    {
        throw new IOException("It is a directory, not a JSON file.");
    }

    using var file = File.OpenRead(path);
    return BenchmarkDataset.Load(file);
}

static string SafeName(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_'));

// The output directory is a file, not writable, or the disk is full: say so, keeping what finished.
int OutputFailed(Exception ex)
{
    Console.Error.WriteLine($"The output directory '{output}' cannot be used: {ex.Message}");
    Console.Error.WriteLine("What finished is kept there. Choose another --out, or set this one right and run again to resume.");
    return 1;
}

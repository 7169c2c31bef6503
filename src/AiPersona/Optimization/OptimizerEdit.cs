using System.ComponentModel;

namespace AiPersona;

/// <summary>One edit in the optimizer model's JSON answer.</summary>
internal sealed class OptimizerEdit
{
    [Description("Section name, exactly as in the schema.")]
    public string Section { get; set; } = string.Empty;

    [Description("Field name, exactly as in the schema.")]
    public string Field { get; set; } = string.Empty;

    [Description("\"set\" to add or replace the value, \"remove\" to delete a value the sessions contradict.")]
    public string Action { get; set; } = "set";

    [Description("The new value: a short, factual, third-person description of the user. Null for remove.")]
    public string? Value { get; set; }

    [Description("Why the sessions support this edit, in one sentence.")]
    public string Reason { get; set; } = string.Empty;

    [Description("Labels of the sessions that support the edit, such as \"S1\".")]
    public List<string> Sessions { get; set; } = [];
}

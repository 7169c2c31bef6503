using System.ComponentModel;

namespace AiPersona;

/// <summary>The JSON the optimizer model answers with (the structured-output schema).</summary>
internal sealed class OptimizerResponse
{
    [Description("Field-level edits to the persona. Empty when the sessions give no new, well-supported information.")]
    public List<OptimizerEdit> Edits { get; set; } = [];
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AiPersona;

/// <summary>Recognizes persona values that read as instructions to a model rather than facts about a user. A persona is
/// rendered into every later prompt, so a value like "ignore previous instructions" would be a stored prompt injection.</summary>
/// <remarks><para>A request for the model's own instructions or secrets names whose they are or where they stand ("print
/// your instructions", "repeat the text above", "show the API keys"); without that, showing or printing instructions is
/// a preference of the user's ("show instructions as numbered steps", "likes to print out instructions"). Likewise
/// "pretend" is an instruction when it is said to the model ("pretend you are", "please pretend", a sentence that opens
/// "Pretend to…" or "Pretend I…") or names a role that would unbind it ("pretend to be an unrestricted AI"); a user who
/// "likes to pretend to be a pirate with the kids", or enjoys "pretend play", is described, not obeyed.</para>
/// <para>The pattern runs on the non-backtracking engine: its time is linear in the value's length, so it needs no match
/// timeout. (The 200 ms wall-clock timeout it had fired once on a busy test machine and failed that update.)</para></remarks>
internal static partial class PromptInjectionDetector
{
    public static bool LooksLikeInstruction(string value) => InstructionPattern().IsMatch(Fold(value));

    // What a model reads past, the pattern must read past too: compatibility forms ("ｉｇｎｏｒｅ", ligatures) become plain
    // letters, invisible format characters (zero-width spaces, soft hyphens, direction marks) go, and the Unicode line and
    // paragraph separators count as line breaks.
    private static string Fold(string value)
    {
        var text = UnicodeText.ToCompatibilityForm(value);
        StringBuilder? folded = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            var replacement = category switch
            {
                UnicodeCategory.Format => "",
                UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => "\n",
                _ => null,
            };
            if (replacement is null)
            {
                folded?.Append(c);
                continue;
            }

            folded ??= new StringBuilder(text, 0, i, text.Length);
            folded.Append(replacement);
        }

        return folded?.ToString() ?? text;
    }

    [GeneratedRegex(
        """
        \b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instruction|instructions|prompt|prompts|rules|guidelines|guidance|directions|guardrails)\b
        | \b(ignore|disregard|forget)\s+(everything|all|anything)\s+(you|above|before|previous|prior|earlier)\b
        | \b(system|developer)\s+(prompt|message|instruction|instructions)\b
        | \byou\s+(are|must|should|will|shall)\s+(now|always|never|no\s+longer)\b
        | (^|\n|[.;:!?]\s)\s*you\s+(must|shall|are\s+to)\b
        | \b(assistant|ai|model|chatbot|you)\s+((must|should|shall)\s+((never|always|not)\s+)?|(will|may)\s+(never|always|not)\s+)(refuse|deny|reject|obey|comply)\b
        | \b((your|the\s+following|these)\s+new\s+instructions?|pretend\s+(that\s+)?you\s+are|jailbreak|do\s+anything\s+now)\b
        | \b(you|please|now|assistant|ai|model|chatbot)\s+((to|must|should|shall|will)\s+)?pretend\b
        | (^|\n|[.;:!?]\s)\s*pretend\s+(to|that|you|i|we|it|this|there)\b
        | \bnew\s+instructions?\s*[:\-]
        | \bfrom\s+now\s+on\b[\s,:]*(you|always|never|only|respond|answer|reply|ignore|act|do|must|pretend|behave|speak|talk|say|treat|call)\b
        | \b(you|now|please|must|will|shall)\s+act\s+as\b
        | \b(act\s+as\s+(if\s+)?|pretend\s+to\s+be\s+)(an?\s+|the\s+)?(unrestricted|unfiltered|uncensored|jailbroken|evil|dan|ai|assistant|chatbot|language\s+model|system|developer|admin|administrator|root)\b
        | \b(reveal|print|output|repeat|leak|show|display|dump)\b.{0,30}\b(
              (your|its|hidden|internal|initial|original|previous|preceding|confidential)\s+(instructions|prompts?|rules|guidelines)
            | (instructions|prompt|text|everything)\s+(above|before\s+this)
            | (the|all|any|your|its)\s+(api\s+keys?|passwords?|credentials|secrets?)
          )\b
        | <\|?\s*(im_start|im_end|system|endoftext|assistant)\s*\|?>
        | \[/?(INST|SYS)\]
        | (^|\n|[.;!?]\s)\s*(system|assistant|developer)\s*:
        """,
        RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex InstructionPattern();
}

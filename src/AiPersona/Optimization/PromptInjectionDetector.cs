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
    public static bool LooksLikeInstruction(string value)
    {
        var folded = Fold(value);
        return InstructionPattern().IsMatch(folded) || OtherLanguagesPattern().IsMatch(folded);
    }

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

    // The commonest injections in other languages a persona may be learned in: "ignore (all previous) instructions",
    // "system prompt", and "from now on you…" / "you are now…", in Spanish, Portuguese, French, German, Italian, Russian,
    // Chinese, Japanese and Korean. Fewer phrasings than the English list: like it, a second line of defence. Verbs are
    // the imperative forms (which in some languages are also the third person: "olvida las reglas" refuses a Spanish
    // description as "forget the rules" would an English one); Japanese and Korean put the object first. Non-backtracking
    // too: building it at first use costs a few hundred milliseconds once per process (its case-insensitive sets of many
    // scripts), but a match then takes microseconds, where the backtracking engine, even compiled, took about 30 to 75
    // times as long on Latin text.
    [GeneratedRegex(
        """
          \b(ignora|ignore|ignorad|ignoren|olvida|olvide|olvidad|olviden|omite|omita|descarta|descarte)\b.{0,40}\b(instrucciones|instrucci[oó]n|indicaciones|reglas|normas|directrices|prompt)\b
        | \b(prompt|mensaje|instrucciones)\s+del\s+sistema\b
        | \ba\s+partir\s+de\s+ahora\b[\s,:]*(eres|ser[aá]s|debes|responde|contesta|ignora|act[uú]a|finge)\b
        | \b(ahora|desde\s+ahora)\s+eres\b | \bfinge\s+(que\s+eres|ser)\b
        | \b(ignore|ignora|ignorem|esque[cç]a|esque[cç]am|desconsidere|desconsidera)\b.{0,40}\b(instru[cç][oõ]es|instru[cç][aã]o|regras|diretrizes|prompt)\b
        | \b(prompt|mensagem|instru[cç][oõ]es)\s+do\s+sistema\b
        | \ba\s+partir\s+de\s+agora\b[\s,:]*(voc[eê]|tu|responda|responde|ignore|aja|finja|seja|deve)\b | \bfinja\s+(que|ser)\b
        | \b(ignore|ignorez|oublie|oubliez|n[eé]glige|n[eé]gligez)\b.{0,40}\b(instructions|consignes|r[eè]gles|directives|prompt)\b
        | \b(prompt|message|instructions|consignes)\s+(du\s+)?syst[eè]me\b
        | \b[aà]\s+partir\s+de\s+maintenant\b[\s,:]*(tu|vous|r[eé]ponds|r[eé]pondez|ignore|ignorez|agis|agissez)\b
        | \bd[eé]sormais\b[\s,:]*(tu|vous)\s+(es|[eê]tes|dois|devez|r[eé]ponds|r[eé]pondez)\b | \bfai(s|tes)\s+semblant\b
        | \b(ignoriere|ignorier|ignoriert|ignorieren\s+sie|vergiss|vergesst|vergessen\s+sie|missachte|missachten\s+sie)\b.{0,40}\b(anweisungen|anweisung|instruktionen|regeln|vorgaben|richtlinien|befehle|prompt)\b
        | \b(system-?prompt|systemnachricht|system-?anweisungen?)\b
        | \bab\s+(jetzt|sofort)\b[\s,:]*(bist|musst|sollst|wirst|antwortest|antworte|ignorierst|ignoriere)\s+du\b
        | \bdu\s+bist\s+(jetzt|nun|ab\s+jetzt)\b | \btu\s+so\s+als\s+(ob|w[aä]rst)\b
        | \b(ignora|ignorate|ignori|dimentica|dimenticate|dimentichi|trascura)\b.{0,40}\b(istruzioni|regole|direttive|prompt)\b
        | \b(prompt|messaggio|istruzioni)\s+di\s+sistema\b
        | \bda\s+ora\s+in\s+poi\b[\s,:]*(sei|devi|rispondi|ignora|fingi|comportati)\b
        | \b(игнорируй|игнорируйте|проигнорируй|проигнорируйте|забудь|забудьте)\b.{0,40}(инструкци|указани|правил|промпт)
        | \bсистемн(ый|ого|ое|ые|ым)\s+(промпт|сообщени|инструкци) | \b(с\s+этого\s+момента|отныне|теперь)\s+ты\b
        | (忽略|无视|無視|忘记|忘記|忘掉|不要理会|不要理會).{0,20}(指令|指示|提示词|提示詞|规则|規則)
        | (系统|系統)(提示|消息|訊息|指令) | (从|從)(现|現)在(开|開)?(始|起)[,，]?\s*你
        | 假(装|裝)你是
        | (指示|命令|プロンプト|ルール).{0,20}(無視|忘れ) | システム(プロンプト|メッセージ) | (今|これ)から(は)?[、,]?\s*あなたは
        | (지시|명령|프롬프트|규칙|지침).{0,20}(무시|잊어) | 시스템\s*(프롬프트|메시지) | 지금부터\s*(너는|당신은)
        """,
        RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex OtherLanguagesPattern();
}

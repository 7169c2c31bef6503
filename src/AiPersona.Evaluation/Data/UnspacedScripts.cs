namespace AiPersona.Evaluation;

/// <summary>The scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar), where a
/// word can start at any character.</summary>
internal static class UnspacedScripts
{
    /// <summary>Returns whether the code point belongs to such a script.</summary>
    public static bool Contains(int codePoint) => codePoint switch
    {
        >= 0x0E00 and <= 0x0EFF => true,    // Thai, Lao
        >= 0x1000 and <= 0x109F => true,    // Myanmar
        >= 0x1780 and <= 0x17FF => true,    // Khmer
        >= 0x3040 and <= 0x30FF => true,    // Hiragana, Katakana
        >= 0x31F0 and <= 0x31FF => true,    // Katakana phonetic extensions
        >= 0x3400 and <= 0x4DBF => true,    // CJK Extension A
        >= 0x4E00 and <= 0x9FFF => true,    // CJK Unified Ideographs
        >= 0xF900 and <= 0xFAFF => true,    // CJK Compatibility Ideographs
        >= 0x20000 and <= 0x3FFFF => true,  // CJK Extensions B and later
        _ => false,
    };
}

// Tricky strings for the pre-tokenizer split: characters outside the Basic Multilingual Plane (letters, digits, marks,
// symbols) in the contexts the split patterns distinguish, whitespace variants, and unpaired surrogates.
'use strict';

const cp = (...points) => String.fromCodePoint(...points);

// Characters outside the BMP, by what the split patterns care about (general category).
const letters = [
  cp(0x1d41b), // 𝐛 MATHEMATICAL BOLD SMALL B (Ll)
  cp(0x1d400), // 𝐀 MATHEMATICAL BOLD CAPITAL A (Lu)
  cp(0x1d49c), // 𝒜 MATHEMATICAL SCRIPT CAPITAL A
  cp(0x1d54f), // 𝕏 MATHEMATICAL DOUBLE-STRUCK CAPITAL X
  cp(0x1d6fc), // 𝛼 MATHEMATICAL ITALIC SMALL ALPHA
  cp(0x20bb7), // 𠮷 CJK Extension B
  cp(0x2a6b2), // 𪚲 CJK Extension B
  cp(0x2b740), // CJK Extension D
  cp(0x30000), // CJK Extension G
  cp(0x10437), // 𐐷 DESERET SMALL LETTER YEE
  cp(0x1040f), // 𐐏 DESERET CAPITAL LETTER BEE
  cp(0x1e900), // 𞤀 ADLAM CAPITAL LETTER ALIF
  cp(0x1e922), // 𞤢 ADLAM SMALL LETTER ALIF
  cp(0x10330), // 𐌰 GOTHIC LETTER AHSA
  cp(0x13000), // 𓀀 EGYPTIAN HIEROGLYPH A001
  cp(0x12000), // 𒀀 CUNEIFORM SIGN A
  cp(0x11005), // 𑀅 BRAHMI LETTER A
  cp(0x10900), // 𐤀 PHOENICIAN LETTER ALF (RTL)
  cp(0x1ee00), // 𞸀 ARABIC MATHEMATICAL ALEF (RTL)
  cp(0x16fe0), // 𖿠 TANGUT ITERATION MARK (Lm)
  cp(0x10480), // 𐒀 OSMANYA LETTER ALEF
];
const digits = [
  cp(0x1d7d9), // 𝟙 MATHEMATICAL DOUBLE-STRUCK DIGIT ONE (Nd)
  cp(0x1d7ce), // 𝟎 MATHEMATICAL BOLD DIGIT ZERO (Nd)
  cp(0x1e951), // 𞥑 ADLAM DIGIT ONE (Nd)
  cp(0x104a1), // 𐒡 OSMANYA DIGIT ONE (Nd)
  cp(0x11067), // 𑁧 BRAHMI DIGIT ONE (Nd)
  cp(0x10107), // 𐄇 AEGEAN NUMBER ONE (No)
  cp(0x10140), // 𐅀 GREEK ACROPHONIC ATTIC ONE QUARTER (Nl)
  cp(0x12400), // 𒐀 CUNEIFORM NUMERIC SIGN TWO ASH (Nl)
  cp(0x1d360), // 𝍠 COUNTING ROD UNIT DIGIT ONE (No)
  cp(0x1f101), // 🄁 DIGIT ZERO COMMA (No)
];
const marks = [
  cp(0x1d167), // MUSICAL SYMBOL COMBINING TREMOLO-1 (Mn)
  cp(0x1d165), // MUSICAL SYMBOL COMBINING STEM (Mc)
  cp(0xe0100), // VARIATION SELECTOR-17 (Mn)
  cp(0x11001), // BRAHMI SIGN ANUSVARA (Mn)
  cp(0x1e944), // ADLAM ALIF LENGTHENER (Mn)
];
const others = [
  cp(0x1f600), // 😀 (So)
  cp(0x1f3fd), // EMOJI MODIFIER FITZPATRICK TYPE-4 (Sk)
  cp(0x10100), // 𐄀 AEGEAN WORD SEPARATOR LINE (Po)
  cp(0x1e95e), // 𞥞 ADLAM INITIAL EXCLAMATION MARK (Po)
  cp(0xe0061), // TAG LATIN SMALL LETTER A (Cf)
  cp(0xf0000), // private use plane 15 (Co)
  cp(0x10fffd), // private use plane 16 (Co)
  cp(0x2fffe), // noncharacter (Cn)
];

const contexts = [
  (c) => c,
  (c) => c + "'ll",
  (c) => c + "'S",
  (c) => ' ' + c + "'s",
  (c) => c + c + c + c,
  (c) => 'a' + c + 'b',
  (c) => c + '1234',
  (c) => '12' + c + '345',
  (c) => 'x ' + c + ' y',
  (c) => "'" + c,
  (c) => c + '.' + c + '!',
  (c) => '\n' + c + '\r\n',
  (c) => '(' + c + ')',
  (c) => c + '   ' + c,
];

const handWritten = [
  "𝐛'll",
  "𝐛'll be there",
  "The 𝐛𝐨𝐥𝐝 and 𝑖𝑡𝑎𝑙𝑖𝑐 words",
  "𝐀𝐁𝐂's 𝒳'd 𝔄'VE",
  "吉野家 と 𠮷野家",
  "𠮷𠮷𠮷'm here",
  "𐐷𐐯𐑅𐐨𐑉𐐯𐐻 𐐔𐐯𐑅𐐨𐑉𐐯𐐻",
  "𞤀𞤣𞤤𞤢𞤥 𞤆𞤵𞤤𞤢𞤪",
  "𞥑𞥒𞥓𞥔𞥕",
  "𝟙𝟚𝟛𝟜𝟝𝟞𝟟",
  "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
  "12𝟙3",
  "𝟙2𝟛45",
  "1𝟚3𝟜5𝟞7",
  "x=𝟙𝟚𝟛,y=456",
  "٣٤٥𝟙𝟚",
  "１２３𝟙",
  "Ⅻ𐅀𐅁𒐀",
  "𝍠𝍡𝍢 counting rods",
  "e\u0301 and 𝐞\u0301 and 𝐞𝅧",
  "𑀅𑀁𑀓𑀺 Brahmi",
  "\u{1d165}\u{1d166}\u{1d167}",
  "a\u{e0100}b",
  "葛\u{e0100}城",
  "😀'll 😀'S",
  "👍🏽 👍🏿",
  "👨‍👩‍👧‍👦 family",
  "🏳️‍🌈 flag",
  "🇫🇷🇩🇪🇯🇵",
  "1️⃣2️⃣3️⃣",
  "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland",
  "🧑‍💻's code",
  "abc😀def",
  "😀😀😀",
  "😀123",
  "I'm 😀 you're 🎉",
  "𐤀𐤁𐤂 Phoenician",
  "مرحبا 𞸀𞸁𞸂 بالعالم",
  "שלום 𐡀𐡁 עולם",
  "Mixed: English, Ελληνικά, Русский, 中文, 𠮷, 日本語, 한국어, हिन्दी, 𐌰𐌱𐌲.",
  "\u202Eright-to-left override 𝐛\u202C",
  "\u200F𞤀\u200E",
  "zero\u200Bwidth\u200Cjoiner\u200D𝐛",
  "soft\u00ADhyphen𝐛",
  "tab\t𝐛\ttab",
  "𝐛\n\n𝐛",
  "𝐛\r\n\r\n",
  "  𝐛  ",
  "𝐛   ",
  "   𝐛",
  "𝐛\u00A0𝐛",
  "𝐛\u3000𝐛",
  "𝐛\u2028𝐛\u2029𝐛",
  "a\u0085b",
  "a\u00A0b",
  "a\u1680b",
  "a\u2000b\u2001c\u2002d\u2003e\u2004f\u2005g\u2006h\u2007i\u2008j\u2009k\u200Al",
  "a\u2028b",
  "a\u2029b",
  "a\u202Fb",
  "a\u205Fb",
  "a\u3000b",
  "a\u180Eb",
  "a\u200Bb",
  "a\uFEFFb",
  "a\u000Bb\u000Cc",
  "a \u00A0 b",
  "\u00A0\u00A0x",
  "x\u3000\u3000",
  "\u3000\n\u3000",
  "  \n  \n",
  " \r \r\n",
  "word\u0085\u0085",
  "don't won't I'LL WE'VE she'D it'S",
  "𝐝𝐨𝐧'𝐭",
  "𝐛'𝐥𝐥",
  "𝐛’ll",
  "'s'S's",
  "𝐛'",
  "'𝐛'",
  "((𝐛))",
  "[𝟙, 𝟚]",
  "{\"𝐤𝐞𝐲\": \"𝐯𝐚𝐥𝐮𝐞\", \"n\": 𝟙𝟚𝟛}",
  "def 𝑓(𝑥): return 𝑥**2",
  "∀𝑥∈ℝ: 𝑥² ≥ 0",
  "𝛼 + 𝛽 = 𝛾",
  "price: $𝟏𝟐.𝟓𝟎",
  "𝐛\u{1f3fd}",
  "\u{f0000}\u{10fffd}",
  "\u{2fffe}\u{10ffff}",
  "𐄀𐄁 Aegean punctuation",
  "𞥞𞤀𞥟",
  "\uD800",
  "\uDC00",
  "a\uD800b",
  "a\uDC00b",
  "\uD835'll",
  "𝐛\uD835",
  "\uDC1B\uD835",
  "x\uDBFF y",
  "\uD835\uD835\uDC1B",
  "1\uD800 23",
  "Hello world",
  "hello  world\n",
  "1234567890",
  "",
];

const corpus = [...handWritten];
for (const c of [...letters, ...digits, ...marks, ...others]) {
  for (const context of contexts) corpus.push(context(c));
}
for (const [i, d] of digits.entries()) {
  const next = digits[(i + 1) % digits.length];
  corpus.push(d + next + d + next + d, '1' + d + '2' + next + '3', d + 'x' + next);
}
for (const m of marks) {
  corpus.push('a' + m + 'b', letters[0] + m + "'ll", digits[0] + m + digits[0], ' ' + m);
}

module.exports = [...new Set(corpus)];

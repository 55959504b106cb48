"""A lexical gate for Bicep, derived from the Bicep compiler's own lexer (Azure/bicep, src/Bicep.Core/Parsing/Lexer.cs).

pycep-parser accepts things the Bicep compiler refuses, most visibly `#checkov:skip=...` lines: in Bicep, `#` only
starts a diagnostics pragma (`#disable-next-line`, `#disable-diagnostics`, `#restore-diagnostics`) written at the
start of a line; any other `#` is error BCP001 and the file does not compile (`az deployment ... what-if/create`
stop there). This module reproduces the compiler's tokenisation rules, including the errors the lexer itself
reports, so a test can hold infra/ to them:

  trivia      spaces/tabs, `// ...` to end of line, `/* ... */` (BCP002 when unterminated), and pragmas: `#` +
              keyword, only whitespace before it on its line, not right after a comment; a pragma without a
              diagnostic code is BCP226
  strings     '...' with escapes \\n \\r \\t \\\\ \\' \\$ \\u{hex} (others BCP006, bad \\u BCP133, backslash at the end
              BCP005), `${ ... }` holes, no line break inside (BCP004; end of file BCP003); '''...''' multi-line
              strings, raw, optionally $'''...''' with `${}` holes (unterminated BCP140)
  tokens      identifiers [A-Za-z_][A-Za-z0-9_]* (over 255 characters BCP024), integers, the operators and
              punctuation below; `"` is BCP103, anything else unrecognised (`#`, `$`, `&`, `~`, ...) BCP001

Offsets are Python string indices; `utf16_position` converts them to the compiler's (UTF-16) line/column when
comparing with its baselines.
"""

from __future__ import annotations

from dataclasses import dataclass

PRAGMA_KEYWORDS = ("disable-diagnostics", "restore-diagnostics", "disable-next-line")
ESCAPES = {"n", "r", "t", "\\", "'", "$"}
MAX_IDENTIFIER_LENGTH = 255

# Longest first, so "..." wins over "." and "==" over "=".
OPERATORS = (
    "...",
    "??",
    "::",
    "!=",
    "!~",
    "<=",
    ">=",
    "==",
    "=~",
    "=>",
    "&&",
    "||",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "@",
    ",",
    ".",
    "?",
    ":",
    ";",
    "+",
    "-",
    "%",
    "*",
    "/",
    "^",
    "!",
    "<",
    ">",
    "=",
    "|",
)

MESSAGES = {
    "BCP001": "The following token is not recognized",
    "BCP002": "The multi-line comment at this location is not terminated",
    "BCP003": "The string at this location is not terminated",
    "BCP004": "The string at this location is not terminated due to an unexpected new line character",
    "BCP005": "The string at this location is not terminated (escape sequence at the end of the file)",
    "BCP006": "The specified escape sequence is not recognized",
    "BCP024": "The identifier exceeds the limit of 255",
    "BCP103": "The following token is not recognized (strings use single quotes)",
    "BCP133": "The unicode escape sequence is not valid",
    "BCP140": "The multi-line string at this location is not terminated",
    "BCP226": "Expected at least one diagnostic code at this location",
}


@dataclass(frozen=True)
class Token:
    kind: str  # identifier, integer, string, string_left, string_middle, string_right, newline, eof, unrecognized,
    # or the operator text itself ("{", "==", ...)
    text: str
    start: int


@dataclass(frozen=True)
class Finding:
    code: str
    start: int
    length: int
    text: str

    def describe(self, source: str) -> str:
        line, column = utf16_position(source, self.start)
        return f"{line + 1}:{column + 1} {self.code} {MESSAGES[self.code]}: {self.text!r}"


def _is_identifier_start(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or c == "_"


def _is_identifier_continuation(c: str) -> bool:
    return _is_identifier_start(c) or "0" <= c <= "9"


def _is_hex(c: str) -> bool:
    return "0" <= c <= "9" or "a" <= c <= "f" or "A" <= c <= "F"


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.i = 0
        self.tokens: list[Token] = []
        self.findings: list[Finding] = []
        # Open string interpolations and object braces inside them: ("brace", False, 0) or ("string", multi, escapes)
        self.stack: list[tuple[str, bool, int]] = []

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.text[j] if j < self.n else ""

    def add(self, code: str, start: int, end: int) -> None:
        self.findings.append(Finding(code, start, end - start, self.text[start:end]))

    def run(self) -> None:
        while self.i < self.n:
            self.lex_token()
        if not self.tokens or self.tokens[-1].kind != "eof":
            self.lex_token()

    # ------------------------------------------------------------------ trivia

    def leading_trivia(self) -> None:
        last_was_comment = False
        while True:
            c = self.peek()
            if c in (" ", "\t") and c:
                while self.peek() in (" ", "\t") and self.peek():
                    self.i += 1
                last_was_comment = False
            elif c == "/" and self.peek(1) == "/":
                while self.i < self.n and self.text[self.i] not in "\r\n":
                    self.i += 1
                last_was_comment = True
            elif c == "/" and self.peek(1) == "*":
                self.multi_line_comment()
                last_was_comment = True
            elif c == "#" and not last_was_comment and self.pragma_keyword() and self.at_line_start():
                self.pragma(self.pragma_keyword())
                last_was_comment = False
            else:
                return

    def pragma_keyword(self) -> str | None:
        for keyword in PRAGMA_KEYWORDS:
            if self.text.startswith(keyword, self.i + 1):
                return keyword
        return None

    def at_line_start(self) -> bool:
        line_start = self.text.rfind("\n", 0, self.i) + 1
        return self.text[line_start : self.i].strip() == ""

    def multi_line_comment(self) -> None:
        start = self.i
        self.i += 2
        while True:
            if self.i >= self.n:
                self.add("BCP002", start, self.i)
                return
            c = self.text[self.i]
            self.i += 1
            if c != "*" or self.peek() != "/":
                continue
            self.i += 1  # the "/"
            return

    def pragma(self, keyword: str) -> None:
        self.i += len(keyword) + 1
        segment = self.i
        codes: list[str] = []
        while self.i < self.n:
            c = self.text[self.i]
            if c in "\r\n":
                break
            if _is_identifier_continuation(c) or c == "-":
                if self.peek(1) in (" ", "\t", "\n", "\r", ""):
                    self.i += 1
                    codes.append(self.text[segment : self.i])
                    continue
                self.i += 1
            elif c in (" ", "\t"):
                self.i += 1
                segment = self.i
            else:
                # e.g. "|" or "/*": the code so far ends here and the rest of the line is lexed normally
                if self.i > segment:
                    codes.append(self.text[segment : self.i])
                break
        if not codes:
            self.add("BCP226", segment, self.i)

    # ------------------------------------------------------------------ tokens

    def lex_token(self) -> None:
        self.leading_trivia()
        start = self.i
        kind = self.scan_token()
        text = self.text[start : self.i]
        if kind == "unrecognized":
            self.add("BCP103" if text == '"' else "BCP001", start, self.i)
        self.tokens.append(Token(kind, text, start))

    def scan_token(self) -> str:
        if self.i >= self.n:
            return "eof"
        start = self.i
        c = self.text[self.i]
        self.i += 1
        if c == "{":
            if self.stack:
                self.stack.append(("brace", False, 0))
            return "{"
        if c == "}":
            if self.stack and self.stack[-1][0] != "brace":
                _, multi, escapes = self.stack[-1]
                kind = self.multi_line_string(False, escapes, start) if multi else self.string_segment(False, start)
                if kind == "string_right":
                    self.stack.pop()
                return kind
            # Bicep does not pop an object brace here either (Lexer.cs); mirrored so positions agree
            return "}"
        if c == "$":
            escapes = 1
            while self.peek() == "$":
                self.i += 1
                escapes += 1
            if self.text.startswith("'''", self.i):
                self.i += 3
                kind = self.multi_line_string(True, escapes, start)
                if kind == "string_left":
                    self.stack.append(("string", True, escapes))
                return kind
            return "unrecognized"
        if c == "'":
            if self.text.startswith("''", self.i):
                self.i += 2
                return self.multi_line_string(True, 0, start)
            kind = self.string_segment(True, start)
            if kind == "string_left":
                self.stack.append(("string", False, 0))
            return kind
        if c in "\r\n":
            if self.stack:
                self.i -= 1  # the newline is lexed again once the broken string is closed
                self.add("BCP004", self.i, self.i)
                self.stack.clear()
                return "string_right"
            while self.peek() in ("\r", "\n") and self.peek():
                self.i += 1
            return "newline"
        if "0" <= c <= "9":
            while "0" <= self.peek() <= "9" and self.peek():
                self.i += 1
            return "integer"
        if _is_identifier_start(c):
            while self.peek() and _is_identifier_continuation(self.peek()):
                self.i += 1
            if self.i - start > MAX_IDENTIFIER_LENGTH:
                self.add("BCP024", start, self.i)
            return "identifier"
        self.i = start
        for op in OPERATORS:
            if self.text.startswith(op, self.i):
                self.i += len(op)
                return op
        self.i = start + 1
        return "unrecognized"  # includes a lone "&", "#", "`", "~", "\\", non-ASCII and other whitespace

    def escape_length(self, at: int) -> int:
        """Length of a valid escape sequence starting with the backslash at `at`, 0 when it is not valid."""
        if at + 1 >= self.n:
            return 0
        c = self.text[at + 1]
        if c == "u":
            if at + 3 >= self.n or self.text[at + 2] != "{":
                return 0
            j = at + 3
            while j < self.n and _is_hex(self.text[j]):
                j += 1
            if j == at + 3 or j >= self.n or self.text[j] != "}" or int(self.text[at + 3 : j], 16) > 0x10FFFF:
                return 0
            return j + 1 - at
        if c not in ESCAPES:
            return 0
        return 3 if c == "$" and self.text.startswith("{", at + 2) else 2

    def string_segment(self, at_start: bool, token_start: int) -> str:
        complete, piece = ("string", "string_left") if at_start else ("string_right", "string_middle")
        while True:
            if self.i >= self.n:
                self.add("BCP003", token_start, self.i)
                return complete
            c = self.text[self.i]
            if c in "\r\n":
                self.add("BCP004", token_start, self.i)
                return complete
            escape_start = self.i
            self.i += 1
            if c == "'":
                return complete
            if c == "$" and self.peek() == "{":
                self.i += 1
                return piece
            if c != "\\":
                continue
            if self.i >= self.n:
                self.add("BCP005", token_start, self.i)
                return complete
            length = self.escape_length(escape_start)
            if length:
                self.i = escape_start + length
                continue
            c = self.text[self.i]
            self.i += 1
            if c == "u":
                self.bad_unicode_escape(escape_start)
            elif c not in ESCAPES:
                self.add("BCP006", self.i - 2, self.i)

    def bad_unicode_escape(self, escape_start: int) -> None:
        """After "\\u" that is not a valid \\u{...}: report BCP133 where the compiler does (end of file: nothing)."""
        if self.i >= self.n:
            return
        if self.text[self.i] != "{":
            self.add("BCP133", escape_start, self.i)
            return
        self.i += 1
        if self.i >= self.n:
            return
        digits_start = self.i
        while self.i < self.n and _is_hex(self.text[self.i]):
            self.i += 1
        if self.i >= self.n:
            return
        digits = self.text[digits_start : self.i]
        if not digits or self.text[self.i] != "}":
            self.add("BCP133", escape_start, self.i)
            return
        self.i += 1
        if int(digits, 16) > 0x10FFFF:
            self.add("BCP133", escape_start, self.i)

    def multi_line_string(self, at_start: bool, escapes: int, token_start: int) -> str:
        complete, piece = ("string", "string_left") if at_start else ("string_right", "string_middle")
        while self.i < self.n:
            c = self.text[self.i]
            if c == "$":
                run = 0
                while self.peek() == "$":
                    self.i += 1
                    run += 1
                if escapes > 0 and run >= escapes and self.peek() == "{":
                    self.i += 1
                    return piece
            elif c == "'":
                run = 0
                while self.peek() == "'":
                    self.i += 1
                    run += 1
                if run >= 3:
                    return complete
            else:
                self.i += 1
        self.add("BCP140", token_start, self.i)
        return complete


def lex(text: str) -> tuple[list[Token], list[Finding]]:
    """Tokens (trivia dropped, newlines kept) and the lexer errors the Bicep compiler would report."""
    lexer = _Lexer(text)
    lexer.run()
    return lexer.tokens, lexer.findings


def findings(text: str) -> list[Finding]:
    return lex(text)[1]


def utf16_position(text: str, offset: int) -> tuple[int, int]:
    """0-based (line, column) as the compiler counts them: lines end at \\r\\n, \\n or \\r; columns in UTF-16 units."""
    line = 0
    line_start = 0
    j = 0
    while j < offset:
        c = text[j]
        if c == "\r" and j + 1 < len(text) and text[j + 1] == "\n":
            j += 1
        if c in "\r\n":
            line += 1
            line_start = j + 1
        j += 1
    prefix = text[line_start:offset]
    return line, len(prefix.encode("utf-16-le")) // 2


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2

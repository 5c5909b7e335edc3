/// Request text prepared for `DangerousPayload`: percent-decoded with `+` as a space, ASCII
/// lowercase, and every run of whitespace, JSON-escaped whitespace (`\n`, `\r`, `\t`), NUL and
/// SQL block comments collapsed to one space. What a server would execute reads the same however
/// it was spelled (`DROP/**/TABLE`, `drop%09table`, `DROP+TABLE`), and the patterns only ever
/// have to allow for a single optional space.
struct PayloadText {
    let bytes: [UInt8]

    init(_ raw: UnsafeBufferPointer<UInt8>) {
        var text = [UInt8]()
        text.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            var c = raw[i]
            if c == UInt8(ascii: "%"), i + 2 < raw.count, let high = Self.hex(raw[i + 1]), let low = Self.hex(raw[i + 2]) {
                c = high << 4 | low
                i += 3
            } else {
                if c == UInt8(ascii: "+") { c = UInt8(ascii: " ") }
                i += 1
            }
            if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c |= 0x20 }
            text.append(c)
        }
        let length = text.withUnsafeMutableBufferPointer { Self.collapse($0) }
        text.removeLast(text.count - length)
        bytes = text
    }

    /// Collapses whitespace and comments in place and returns the new length. Writing never
    /// overtakes reading, and a comment's closer is searched for ahead of the read position only.
    /// `/*` without a closer is left as text: a glob in a URL path must not hide the rest of the
    /// request. MySQL's `/*!…*/` is executed, so only its markers are removed.
    private static func collapse(_ b: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let n = b.count
        var read = 0, write = 0, pendingSpace = false
        var versionedCloser = -1
        // The nearest "*/" found so far, and where searching is known to be pointless; together
        // they keep the closer search linear over the whole text.
        var knownCloser = -1, noCloserFrom = Int.max
        func closer(from start: Int) -> Int? {
            if start <= knownCloser { return knownCloser }
            if start >= noCloserFrom { return nil }
            var j = start
            while j + 1 < n {
                if b[j] == UInt8(ascii: "*"), b[j + 1] == UInt8(ascii: "/") { knownCloser = j; return j }
                j += 1
            }
            noCloserFrom = start
            return nil
        }
        while read < n {
            let c = b[read]
            let next = read + 1 < n ? b[read + 1] : 0
            if isSpace(c) {
                pendingSpace = true
                read += 1
                continue
            }
            if c == UInt8(ascii: "\\"), next == UInt8(ascii: "n") || next == UInt8(ascii: "r") || next == UInt8(ascii: "t") {
                pendingSpace = true
                read += 2
                continue
            }
            if c == UInt8(ascii: "*"), next == UInt8(ascii: "/"), read == versionedCloser {
                pendingSpace = true
                read += 2
                continue
            }
            if c == UInt8(ascii: "/"), next == UInt8(ascii: "*"), let close = closer(from: read + 2) {
                if read + 2 < n, b[read + 2] == UInt8(ascii: "!") {
                    read += 3
                    while read < close, b[read] >= UInt8(ascii: "0"), b[read] <= UInt8(ascii: "9") { read += 1 }
                    versionedCloser = close
                } else {
                    read = close + 2
                }
                pendingSpace = true
                continue
            }
            if pendingSpace {
                if write > 0 {
                    b[write] = UInt8(ascii: " ")
                    write += 1
                }
                pendingSpace = false
            }
            b[write] = c
            write += 1
            read += 1
        }
        return write
    }

    var count: Int { bytes.count }

    /// The byte at `i`, or 0 past the end (NUL never stays in the text, it counts as whitespace).
    subscript(i: Int) -> UInt8 {
        i >= 0 && i < bytes.count ? bytes[i] : 0
    }

    /// Whether a word can start at `i`: nothing word-like right before it.
    func startsWord(at i: Int) -> Bool {
        i == 0 || !Self.isWordByte(bytes[i - 1])
    }

    /// Whether `s` is spelled at `i`.
    func matches(_ s: StaticString, at i: Int) -> Bool {
        s.withUTF8Buffer { w in
            guard i >= 0, i + w.count <= bytes.count else { return false }
            for k in 0..<w.count where bytes[i + k] != w[k] { return false }
            return true
        }
    }

    /// The index after the whole word `s` at `i`, or nil when it is not there or goes on (`drop` in `dropdown`).
    func word(_ s: StaticString, at i: Int) -> Int? {
        guard matches(s, at: i), !Self.isWordByte(self[i + s.utf8CodeUnitCount]) else { return nil }
        return i + s.utf8CodeUnitCount
    }

    /// `i`, moved past one space if there is one there.
    func space(_ i: Int) -> Int {
        self[i] == UInt8(ascii: " ") ? i + 1 : i
    }

    /// The index after the characters of `pattern` in order from `i`, each optionally preceded by a
    /// space: `follows("({})", at:)` reads `( { } )` and `({})` alike.
    func follows(_ pattern: StaticString, at i: Int) -> Int? {
        pattern.withUTF8Buffer { p in
            var j = i
            for c in p {
                j = space(j)
                guard self[j] == c else { return nil }
                j += 1
            }
            return j
        }
    }

    /// The index after an SQL name at `i` (`users`, `db.users`, `` `t` ``, `"t"`, `[t]`), or nil if there is none.
    func sqlName(at i: Int) -> Int? {
        var j = i
        while j < count, Self.isNameByte(bytes[j]) { j += 1 }
        return j > i ? j : nil
    }

    /// Where the SQL statement from `i` first stops: at the word `w` (`isWord`), or at its end —
    /// `;`, `&` (the next URL parameter), a `--` or `#` comment that hides the rest of an injected
    /// query, or the end of the text.
    func statementStop(at w: StaticString, from i: Int) -> (at: Int, isWord: Bool) {
        var j = i
        while j < count {
            let c = bytes[j]
            if c == UInt8(ascii: ";") || c == UInt8(ascii: "&") || c == UInt8(ascii: "#") { return (j, false) }
            if c == UInt8(ascii: "-"), self[j + 1] == UInt8(ascii: "-") { return (j, false) }
            if startsWord(at: j), word(w, at: j) != nil { return (j, true) }
            j += 1
        }
        return (j, false)
    }

    /// Whether the SQL statement ends right at `i` (after an optional space).
    func statementEnds(at i: Int) -> Bool {
        let j = space(i)
        let c = self[j]
        return j >= count || c == UInt8(ascii: ";") || c == UInt8(ascii: "&") || c == UInt8(ascii: "#")
            || (c == UInt8(ascii: "-") && self[j + 1] == UInt8(ascii: "-"))
    }

    /// The shell word starting at `i`: up to the next blank, separator, grouping or redirection.
    func shellWord(at i: Int) -> Range<Int> {
        var end = i
        while end < count, !Self.isShellBreak(bytes[end]) { end += 1 }
        return i..<end
    }

    /// Whether the shell word at `range` is exactly `s`.
    func isShellWord(_ range: Range<Int>, _ s: StaticString) -> Bool {
        range.count == s.utf8CodeUnitCount && matches(s, at: range.lowerBound)
    }

    /// Whether the word starting at `i` stands where a shell runs a command: after `;`, `|`, `&`,
    /// a backtick or `$(`, optionally through `sudo`.
    func isCommandPosition(_ i: Int) -> Bool {
        var j = i - 1
        if self[j] == UInt8(ascii: " ") { j -= 1 }
        if j >= 3, matches("sudo", at: j - 3), startsWord(at: j - 3) {
            j -= 4
            if self[j] == UInt8(ascii: " ") { j -= 1 }
        }
        guard j >= 0 else { return false }
        switch bytes[j] {
        case UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "`"): return true
        case UInt8(ascii: "("): return self[j - 1] == UInt8(ascii: "$")
        default: return false
        }
    }

    /// A decimal number at `i` (an optional quote first, any fraction ignored): its whole part,
    /// saturating rather than overflowing, and the index after it.
    func number(at i: Int) -> (value: Int, end: Int)? {
        var j = i
        if self[j] == UInt8(ascii: "'") || self[j] == UInt8(ascii: "\"") { j += 1 }
        let start = j
        var value = 0
        while Self.isDigit(self[j]) {
            value = min(value * 10 + Int(self[j] - UInt8(ascii: "0")), 1 << 40)
            j += 1
        }
        guard j > start else { return nil }
        if self[j] == UInt8(ascii: ".") {
            j += 1
            while Self.isDigit(self[j]) { j += 1 }
        }
        return (value, j)
    }

    static func isWordByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || isDigit(c) || c == UInt8(ascii: "_")
    }

    static func isDigit(_ c: UInt8) -> Bool {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
    }

    private static func isSpace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || (c >= 0x09 && c <= 0x0d) || c == 0
    }

    /// Bytes besides word bytes that an SQL name can hold: quoting, schema dots, `$`.
    private static func isNameByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "`"), UInt8(ascii: "\""), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "."), UInt8(ascii: "$"): true
        default: isWordByte(c)
        }
    }

    /// Bytes that end a shell word: blanks, command separators, grouping and redirection.
    static func isShellBreak(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "`"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"): true
        default: false
        }
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The passes of `DangerousPayload` over one normalised request text, and what they found.
struct PayloadScanner {
    /// The text; short because every pattern below reads it.
    private let t: PayloadText
    private var found = Set<PayloadAlert>()
    /// The last statement stop found for WHERE and for DROP. Statements are asked about left to
    /// right, so a later question from inside the same stretch reuses the answer instead of
    /// walking it again: `delete from t` repeated a million times stays linear.
    private var whereStop = (from: -1, at: -1, isWord: false)
    private var dropStop = (from: -1, at: -1, isWord: false)

    init(_ text: PayloadText) {
        t = text
    }

    mutating func alerts() -> Set<PayloadAlert> {
        scanWords()
        scanShellCommands()
        return found
    }

    // MARK: word pass

    private mutating func scanWords() {
        let b = t.bytes
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: ":") {
                if t.follows("(){:|:&}", at: i + 1) != nil { found.insert(.denialOfService) }
            } else if c == UInt8(ascii: "<") {
                if entityExpansion(i) { found.insert(.denialOfService) }
            } else if c >= UInt8(ascii: "a"), c <= UInt8(ascii: "z"), t.startsWord(at: i) {
                if let alert = alert(forWordAt: i) { found.insert(alert) }
                repeat { i += 1 } while i < b.count && PayloadText.isWordByte(b[i])
                continue
            }
            i += 1
        }
    }

    /// The alert raised by the phrase that starts with the word at `i`, if any.
    private mutating func alert(forWordAt i: Int) -> PayloadAlert? {
        switch t[i] {
        case UInt8(ascii: "a"):
            if alterTableDrop(i) { return .destructiveSQL }
        case UInt8(ascii: "b"):
            if benchmark(i) { return .denialOfService }
        case UInt8(ascii: "d"):
            if dropObject(i) || deleteWithoutWhere(i) { return .destructiveSQL }
            if emptyFilterCall(i, "deletemany") || dropDatabase(i) { return .massDeletion }
        case UInt8(ascii: "f"):
            if t.word("flushall", at: i) != nil || t.word("flushdb", at: i) != nil || formatDrive(i) { return .massDeletion }
        case UInt8(ascii: "h"):
            if shellCommand(i, "halt") { return .denialOfService }
        case UInt8(ascii: "m"):
            if makeFilesystem(i) { return .massDeletion }
        case UInt8(ascii: "p"):
            if longSleep(i, "pg_sleep") || shellCommand(i, "poweroff") { return .denialOfService }
        case UInt8(ascii: "r"):
            if emptyFilterCall(i, "remove") { return .massDeletion }
            if shellCommand(i, "reboot") { return .denialOfService }
        case UInt8(ascii: "s"):
            if longSleep(i, "sleep") || shellCommand(i, "shutdown") { return .denialOfService }
        case UInt8(ascii: "t"):
            if truncate(i) { return .destructiveSQL }
        case UInt8(ascii: "u"):
            if updateWithoutWhere(i) { return .massDeletion }
        case UInt8(ascii: "w"):
            if longWaitfor(i) { return .denialOfService }
        default:
            break
        }
        return nil
    }

    // MARK: SQL

    private func dropObject(_ i: Int) -> Bool {
        guard let j = t.word("drop", at: i), t[j] == UInt8(ascii: " ") else { return false }
        guard let k = t.word("table", at: j + 1) ?? t.word("database", at: j + 1) ?? t.word("schema", at: j + 1),
              t[k] == UInt8(ascii: " ") else { return false }
        return t.sqlName(at: k + 1) != nil
    }

    private func truncate(_ i: Int) -> Bool {
        guard let j = t.word("truncate", at: i), t[j] == UInt8(ascii: " ") else { return false }
        if let k = t.word("table", at: j + 1), t[k] == UInt8(ascii: " "), t.sqlName(at: k + 1) != nil { return true }
        // Without TABLE, "truncate" is also an English verb: only a statement that ends at the name counts.
        guard let end = t.sqlName(at: j + 1) else { return false }
        return t.statementEnds(at: end)
    }

    private mutating func deleteWithoutWhere(_ i: Int) -> Bool {
        guard let j = t.word("delete", at: i), t[j] == UInt8(ascii: " "),
              let k = t.word("from", at: j + 1), t[k] == UInt8(ascii: " "),
              let end = t.sqlName(at: k + 1) else { return false }
        return !statementHasWhere(from: end)
    }

    private mutating func alterTableDrop(_ i: Int) -> Bool {
        guard let j = t.word("alter", at: i), t[j] == UInt8(ascii: " "),
              let k = t.word("table", at: j + 1), t[k] == UInt8(ascii: " "),
              let end = t.sqlName(at: k + 1) else { return false }
        if !(dropStop.from...max(dropStop.from, dropStop.at)).contains(end) {
            let stop = t.statementStop(at: "drop", from: end)
            dropStop = (end, stop.at, stop.isWord)
        }
        return dropStop.isWord
    }

    private mutating func updateWithoutWhere(_ i: Int) -> Bool {
        guard let j = t.word("update", at: i), t[j] == UInt8(ascii: " "),
              let table = t.sqlName(at: j + 1), t[table] == UInt8(ascii: " "),
              let k = t.word("set", at: table + 1), t[k] == UInt8(ascii: " "),
              let column = t.sqlName(at: k + 1) else { return false }
        // An assignment must follow, so "update your set of rules" is not a statement.
        let equals = t.space(column)
        guard t[equals] == UInt8(ascii: "="), t[equals + 1] != UInt8(ascii: "=") else { return false }
        return !statementHasWhere(from: equals + 1)
    }

    /// Whether WHERE comes before the end of the statement that goes on at `i`. The first stop
    /// after `i` is also the first stop after any later point up to it, hence the reuse.
    private mutating func statementHasWhere(from i: Int) -> Bool {
        if !(whereStop.from...max(whereStop.from, whereStop.at)).contains(i) {
            let stop = t.statementStop(at: "where", from: i)
            whereStop = (i, stop.at, stop.isWord)
        }
        return whereStop.isWord
    }

    // MARK: data stores and disks

    /// `name({})` or `name({}, …)`: a MongoDB call with an empty filter, which matches every document.
    private func emptyFilterCall(_ i: Int, _ name: StaticString) -> Bool {
        guard let j = t.word(name, at: i), let k = t.follows("({}", at: j) else { return false }
        let c = t[t.space(k)]
        return c == UInt8(ascii: ")") || c == UInt8(ascii: ",")
    }

    private func dropDatabase(_ i: Int) -> Bool {
        guard let j = t.word("dropdatabase", at: i) else { return false }
        return t.follows("(", at: j) != nil
    }

    private func makeFilesystem(_ i: Int) -> Bool {
        guard let j = t.word("mkfs", at: i) else { return false }
        if t[j] == UInt8(ascii: "."), t[j + 1] >= UInt8(ascii: "a"), t[j + 1] <= UInt8(ascii: "z") { return true }
        return t[j] == UInt8(ascii: " ") && (t[j + 1] == UInt8(ascii: "-") || t.matches("/dev/", at: j + 1))
    }

    private func formatDrive(_ i: Int) -> Bool {
        guard let j = t.word("format", at: i), t[j] == UInt8(ascii: " ") else { return false }
        let drive = t[j + 1]
        return drive >= UInt8(ascii: "a") && drive <= UInt8(ascii: "z") && t[j + 2] == UInt8(ascii: ":")
            && !PayloadText.isWordByte(t[j + 3])
    }

    // MARK: denial of service

    private func benchmark(_ i: Int) -> Bool {
        guard let j = t.word("benchmark", at: i), let open = t.follows("(", at: j),
              let count = t.number(at: t.space(open)), t.follows(",", at: count.end) != nil else { return false }
        return count.value >= 1_000_000
    }

    private func longSleep(_ i: Int, _ name: StaticString) -> Bool {
        guard let j = t.word(name, at: i), let open = t.follows("(", at: j),
              let seconds = t.number(at: t.space(open)) else { return false }
        return seconds.value >= 30
    }

    /// `WAITFOR DELAY 'hh:mm'` or `'hh:mm:ss[.mmm]'`.
    private func longWaitfor(_ i: Int) -> Bool {
        guard let j = t.word("waitfor", at: i), t[j] == UInt8(ascii: " "),
              let k = t.word("delay", at: j + 1) else { return false }
        var at = t.space(k)
        guard t[at] == UInt8(ascii: "'") || t[at] == UInt8(ascii: "\"") else { return false }
        var fields: [Int] = []
        while fields.count < 3, let field = t.number(at: fields.isEmpty ? at : at + 1) {
            fields.append(field.value)
            at = field.end
            if t[at] != UInt8(ascii: ":") { break }
        }
        switch fields.count {
        case 2: return fields[0] * 3600 + fields[1] * 60 >= 30
        case 3: return fields[0] * 3600 + fields[1] * 60 + fields[2] >= 30
        default: return false
        }
    }

    /// An `<!ENTITY` declaration whose value refers to other entities at least twice — the shape of
    /// billion laughs, where each level multiplies the one below. The five predefined entities and
    /// character references (`&#38;`) expand to one character and do not count. A declaration is
    /// read up to its `>` or the next `<!`, so declarations are never read twice.
    private func entityExpansion(_ i: Int) -> Bool {
        guard t.matches("<!entity", at: i) else { return false }
        var j = i + 8, quote: UInt8 = 0, references = 0
        while j < t.count, !(t[j] == UInt8(ascii: "<") && t[j + 1] == UInt8(ascii: "!")) {
            let c = t[j]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: ">") {
                return false
            }
            if c == UInt8(ascii: "&") {
                var end = j + 1
                while PayloadText.isWordByte(t[end]) || t[end] == UInt8(ascii: ".") || t[end] == UInt8(ascii: "-") { end += 1 }
                if end > j + 1, t[end] == UInt8(ascii: ";"), !isPredefinedEntity(j + 1, end) {
                    references += 1
                    if references >= 2 { return true }
                }
                j = end
                continue
            }
            j += 1
        }
        return false
    }

    private func isPredefinedEntity(_ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 2: t.matches("lt", at: start) || t.matches("gt", at: start)
        case 3: t.matches("amp", at: start)
        case 4: t.matches("quot", at: start) || t.matches("apos", at: start)
        default: false
        }
    }

    /// `name` as a command a shell would run (see `PayloadText.isCommandPosition`), followed by
    /// nothing, an option (`-h`, `/s`), a time (`now`, `+5`, `0`) or the end of the command — not by
    /// prose, so "Sleep well; reboot notes follow" stays quiet.
    private func shellCommand(_ i: Int, _ name: StaticString) -> Bool {
        guard let j = t.word(name, at: i), t.isCommandPosition(i) else { return false }
        let next = t.space(j)
        switch t[next] {
        case 0, UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "`"), UInt8(ascii: ")"),
             UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "#"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            return true
        default:
            return t.word("now", at: next) != nil
        }
    }

    // MARK: shell pass

    /// Reads the text as shell words once, left to right. A command name starts a command (a later
    /// one replaces it; an option such as `-kill` names none); its following words update what it has shown until it is complete, a
    /// separator ends it, or 32 words pass.
    private mutating func scanShellCommands() {
        var command: ShellCommand?, wordsLeft = 0
        var i = 0
        while i < t.count {
            let c = t[i]
            if PayloadText.isShellBreak(c) {
                if c != UInt8(ascii: " ") { command = nil }
                i += 1
                continue
            }
            let w = t.shellWord(at: i)
            if let current = command, wordsLeft > 0 {
                wordsLeft -= 1
                command = current.reading(w, in: t)
                if let alert = command?.alert {
                    found.insert(alert)
                    command = nil
                }
            } else {
                command = nil
            }
            if t[w.lowerBound] != UInt8(ascii: "-"), let started = ShellCommand(name: commandName(w), in: t) {
                command = started
                wordsLeft = 32
            }
            i = w.upperBound
        }
    }

    /// The name a shell word would run: its last run of word bytes, so `/bin/rm`, `cmd=rm` and
    /// `"rm` all name `rm`, while `rm-rf-guide` names `guide`.
    private func commandName(_ w: Range<Int>) -> Range<Int> {
        var start = w.upperBound
        while start > w.lowerBound, PayloadText.isWordByte(t[start - 1]) { start -= 1 }
        return start..<w.upperBound
    }
}

/// A shell command being read by the shell pass, with what its words have shown so far.
fileprivate enum ShellCommand {
    case remove(recursive: Bool, force: Bool)
    case delete(switches: UInt32)
    case removeDirectory(recursive: Bool)
    case find(deletes: Bool)
    case copy(ontoDisk: Bool)
    /// `kill`: 0 words matched, then the signal, then every process.
    case kill(matched: Int)

    init?(name: Range<Int>, in t: PayloadText) {
        switch name.count {
        case 2 where t.matches("rm", at: name.lowerBound): self = .remove(recursive: false, force: false)
        case 2 where t.matches("rd", at: name.lowerBound): self = .removeDirectory(recursive: false)
        case 2 where t.matches("dd", at: name.lowerBound): self = .copy(ontoDisk: false)
        case 3 where t.matches("del", at: name.lowerBound): self = .delete(switches: 0)
        case 4 where t.matches("find", at: name.lowerBound): self = .find(deletes: false)
        case 4 where t.matches("kill", at: name.lowerBound): self = .kill(matched: 0)
        case 5 where t.matches("rmdir", at: name.lowerBound): self = .removeDirectory(recursive: false)
        default: return nil
        }
    }

    var alert: PayloadAlert? {
        switch self {
        case .remove(let recursive, let force): recursive && force ? .shellDeletion : nil
        case .delete(let switches): switches & Self.bit("s") != 0 && switches & Self.bit("q") != 0 ? .shellDeletion : nil
        case .removeDirectory(let recursive): recursive ? .shellDeletion : nil
        case .find(let deletes): deletes ? .massDeletion : nil
        case .copy(let ontoDisk): ontoDisk ? .massDeletion : nil
        case .kill(let matched): matched == 2 ? .denialOfService : nil
        }
    }

    /// The command after one more word; nil once the word rules the command out.
    func reading(_ w: Range<Int>, in t: PayloadText) -> ShellCommand? {
        switch self {
        case .remove(let recursive, let force):
            let options = Self.removeOptions(w, in: t)
            return .remove(recursive: recursive || options.recursive, force: force || options.force)
        case .delete(let switches):
            return .delete(switches: switches | Self.switches(w, in: t))
        case .removeDirectory(let recursive):
            return .removeDirectory(recursive: recursive || Self.switches(w, in: t) & Self.bit("s") != 0)
        case .find(let deletes):
            return .find(deletes: deletes || t.isShellWord(w, "-delete"))
        case .copy(let ontoDisk):
            return .copy(ontoDisk: ontoDisk || Self.isDiskOutput(w, in: t))
        case .kill(let matched):
            if matched == 0, t.isShellWord(w, "-9") || t.isShellWord(w, "-kill") || t.isShellWord(w, "-sigkill") {
                return .kill(matched: 1)
            }
            return matched == 1 && t.isShellWord(w, "-1") ? .kill(matched: 2) : nil
        }
    }

    /// What an `rm` option word asks for: `--recursive`, `--force`, or a cluster of rm's short
    /// options (`-rf`, `-Rfv`); a word with any other letter is not an option.
    private static func removeOptions(_ w: Range<Int>, in t: PayloadText) -> (recursive: Bool, force: Bool) {
        guard t[w.lowerBound] == UInt8(ascii: "-") else { return (false, false) }
        if t.isShellWord(w, "--recursive") { return (true, false) }
        if t.isShellWord(w, "--force") { return (false, true) }
        if t[w.lowerBound + 1] == UInt8(ascii: "-") { return (false, false) }
        var recursive = false, force = false
        for k in w.dropFirst() {
            switch t[k] {
            case UInt8(ascii: "r"): recursive = true
            case UInt8(ascii: "f"): force = true
            case UInt8(ascii: "i"), UInt8(ascii: "d"), UInt8(ascii: "v"): break
            default: return (false, false)
            }
        }
        return (recursive, force)
    }

    /// The letters of a Windows switch word (`/s`, `/s/q`) as bits; 0 for any other word.
    private static func switches(_ w: Range<Int>, in t: PayloadText) -> UInt32 {
        var bits: UInt32 = 0, k = w.lowerBound
        while k < w.upperBound {
            let letter = t[k + 1]
            guard t[k] == UInt8(ascii: "/"), letter >= UInt8(ascii: "a"), letter <= UInt8(ascii: "z"),
                  k + 2 == w.upperBound || t[k + 2] == UInt8(ascii: "/") else { return 0 }
            bits |= 1 << UInt32(letter - UInt8(ascii: "a"))
            k += 2
        }
        return bits
    }

    private static func bit(_ letter: Unicode.Scalar) -> UInt32 {
        1 << UInt32(UInt8(ascii: letter) - UInt8(ascii: "a"))
    }

    /// `of=/dev/…` naming a disk, not `/dev/null` or another device.
    private static func isDiskOutput(_ w: Range<Int>, in t: PayloadText) -> Bool {
        let device = w.lowerBound + 8
        return t.matches("of=/dev/", at: w.lowerBound)
            && (t.matches("sd", at: device) || t.matches("hd", at: device) || t.matches("vd", at: device)
                || t.matches("xvd", at: device) || t.matches("nvme", at: device)
                || t.matches("mmcblk", at: device) || t.matches("disk", at: device))
    }
}

import Foundation
import Vapor

/// Several members of a team at once, each to become a tester account: the API sends `members`,
/// the team page's form sends `lines` as pasted from a spreadsheet (one member a line: name, then
/// optionally a mobile phone and a username, separated by tabs or commas). Either reads as `entries`.
struct TeamMembersDraft: Content {
    struct Member: Content, Equatable {
        var name: String
        var phone: String?
        var username: String?

        init(name: String, phone: String? = nil, username: String? = nil) {
            self.name = name
            self.phone = phone
            self.username = username
        }
    }

    var members: [Member]?
    var lines: String?

    init(members: [Member]? = nil, lines: String? = nil) {
        self.members = members
        self.lines = lines
    }

    /// The members in the order given, each with its row (the line of the form, or the place in
    /// `members` counted from 1) so a refusal can name it. Blank lines are skipped but counted.
    var entries: [(row: Int, member: Member)] {
        if let members { return members.enumerated().map { ($0.offset + 1, $0.element) } }
        var found: [(Int, Member)] = []
        // Browsers send a textarea's line breaks as CRLF, which Swift reads as one Character: split on any newline.
        for (index, line) in (lines ?? "").split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: { "\t,，;；".contains($0) })
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            guard let name = fields.first else { continue }
            var member = Member(name: name)
            // A phone is digits (with +, spaces or dashes); anything else after the name is the username.
            for field in fields.dropFirst() {
                if Self.looksLikePhone(field), member.phone == nil { member.phone = field } else if member.username == nil { member.username = field }
            }
            found.append((index + 1, member))
        }
        return found
    }

    static func looksLikePhone(_ text: String) -> Bool {
        text.contains(where: \.isNumber) && text.allSatisfy { $0.isASCII && ($0.isNumber || "+- ".contains($0)) }
    }
}

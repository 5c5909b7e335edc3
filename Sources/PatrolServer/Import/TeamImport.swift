import Fluent
import Foundation
import PatrolCore
import PatrolSheet
import PatrolStore
import Vapor

/// Imports the testing teams with their members into a campaign (issue 19): a new code makes the
/// team, a known one joins as it is, and each member not yet on the team becomes a tester account
/// with a one-time initial password — through `TeamRoster`, the same path as the team page, all in
/// one transaction. Importing the same file again makes nothing and shows no password.
struct TeamImport {
    let db: any Database
    let actor: Actor
    let audit: AuditContext
    let application: Application

    func plan(_ table: SheetTable, campaign: Campaign) async throws -> TeamImportPlan {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageTeams))
        let reading: (header: HeaderMatch<TeamSheet.Column>, rows: [TeamSheet.Row])
        do { reading = try TeamSheet.read(table) } catch { throw PatrolError.sheet(error) }
        let header = reading.header
        if let missing = header.missingRequired.first {
            throw PatrolError.invalid("error.import.missingColumn", keys: ["column": "import.team.column.\(missing)"])
        }
        var problems: [ImportProblem] = []
        func problem(_ row: Int, _ column: TeamSheet.Column, _ value: String, _ key: String, _ values: [String: String] = [:]) {
            problems.append(ImportProblem(row: row, column: header.columns[column]?.description, header: "import.team.column.\(column)",
                                          value: value, key: key, values: values))
        }
        var order: [String] = [], groups: [String: [TeamSheet.Row]] = [:]
        for row in reading.rows {
            let code = row[.code]
            guard TeamRoster.isValidCode(code) else {
                problem(row.number, .code, code, code.isEmpty ? "error.import.teamCodeMissing" : "error.import.teamCode", ["code": code]); continue
            }
            if groups[code] == nil { order.append(code) }
            groups[code, default: []].append(row)
        }
        let teams = try await Team.query(on: db).filter(\.$code ~~ order).all()
        let byCode = Dictionary(teams.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let linked = Set(try await CampaignTeam.query(on: db).filter(\.$campaign.$id == campaign.requireID()).all(\.$team.$id))
        let testers = try await User.query(on: db).filter(\.$role == .tester).filter(\.$team.$id ~~ teams.compactMap(\.id)).all()
        var seenUsernames: [String: Int] = [:]
        var items: [TeamImportPlan.Item] = []
        for code in order {
            let rows = groups[code]!
            func first(_ column: TeamSheet.Column) -> String? { rows.lazy.map { $0[column] }.first { !$0.isEmpty } }
            let known = byCode[code]
            let name = first(.name) ?? known?.name ?? ""
            if name.isEmpty { problem(rows[0].number, .name, "", "error.import.teamName", ["code": code]) }
            // The team page's rule (`TeamRoster`): a team's contact is reached on a mobile.
            var contactPhone = first(.contactPhone)
            if let raw = contactPhone {
                contactPhone = Phone.normalizedMainlandMobile(raw)
                if contactPhone == nil { problem(rows[0].number, .contactPhone, raw, "error.import.teamPhone", ["phone": raw]) }
            }
            let own = testers.filter { $0.$team.id == known?.id }
            var members: [TeamImportPlan.Member] = []
            for row in rows where !row[.member].isEmpty {
                var phone: String?
                if !row[.memberPhone].isEmpty {
                    phone = Phone.normalizedMainlandMobile(row[.memberPhone])
                    if phone == nil { problem(row.number, .memberPhone, row[.memberPhone], "error.import.phone", ["phone": row[.memberPhone]]) }
                }
                let username = row[.username].isEmpty ? nil : row[.username].lowercased()
                if let username {
                    if !Accounts.validUsername(username) { problem(row.number, .username, username, "error.import.username", ["username": username]) }
                    if let firstRow = seenUsernames[username] {
                        problem(row.number, .username, username, "error.import.usernameRepeated", ["first": "\(firstRow)"])
                    }
                    seenUsernames[username] = row.number
                }
                let exists = own.contains { username != nil ? $0.username == username : $0.displayName == row[.member] }
                members.append(.init(row: row.number, name: row[.member], phone: phone, username: username, exists: exists))
            }
            let action: TeamImportPlan.Action = known == nil ? .create : linked.contains(known!.id!) ? .unchanged : .join
            items.append(.init(rows: rows.map(\.number), code: code, name: name, company: first(.company), contactName: first(.contactName),
                               contactPhone: contactPhone, action: action, members: members))
        }
        // A user name given for a new member must be free.
        let wanted = items.flatMap { $0.members.filter { !$0.exists }.compactMap(\.username) }
        let taken = Set(try await User.query(on: db).filter(\.$username ~~ wanted).all(\.$username))
        for item in items { for m in item.members where !m.exists { if let u = m.username, taken.contains(u) {
            problem(m.row, .username, u, "error.import.usernameTaken", ["username": u])
        } } }
        return TeamImportPlan(source: table.source, headerRow: header.rowNumber,
                              ignoredColumns: header.unknownColumns.map(\.value).filter { !$0.isEmpty }, items: items,
                              problems: problems.sorted { ($0.row, $0.column ?? "") < ($1.row, $1.column ?? "") })
    }

    /// A new tester and the team it joined, its initial password to be shown once.
    struct NewMember { var team: String; var member: TeamRoster.NewMember }

    func apply(_ plan: TeamImportPlan, campaign: Campaign) async throws -> (teams: Int, members: [NewMember]) {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageTeams))
        guard plan.problems.isEmpty else { throw PatrolError.invalid("error.import.hasProblems", ["n": "\(plan.problems.count)"]) }
        let (actor, audit, application) = (self.actor, self.audit, self.application)
        return try await db.transaction { db in
            let roster = TeamRoster(db: db, actor: actor, audit: audit, application: application)
            var made: [NewMember] = [], teams = 0
            for item in plan.items {
                var team: Team
                if item.action == .unchanged {
                    guard let found = try await Team.query(on: db).filter(\.$code == item.code).first() else {
                        throw PatrolError.conflict("error.import.changed")
                    }
                    team = found
                } else {
                    let draft = TeamDraft(code: item.code, name: item.name, company: item.company, contactName: item.contactName,
                                          contactPhone: item.contactPhone)
                    team = try await roster.add(draft, to: campaign).link.team
                    teams += 1
                }
                let new = item.members.filter { !$0.exists }
                guard !new.isEmpty else { continue }
                let draft = TeamMembersDraft(members: new.map { .init(name: $0.name, phone: $0.phone, username: $0.username) })
                made += try await roster.addMembers(draft, to: team, campaign: campaign).map { NewMember(team: item.code, member: $0) }
            }
            try await AuditLog.append(on: db, audit, action: "campaign.import.teams", objectType: "campaign", objectID: campaign.code,
                                      details: ["teams": "\(teams)", "members": "\(made.count)"])
            return (teams, made)
        }
    }
}

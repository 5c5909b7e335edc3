import Fluent
import Foundation
import PatrolCore
import PatrolStore
import Vapor

/// The organiser's testing teams (issue 19, item 3), with no HTTP in sight: the team pages and the
/// team API are adapters over it. A team exists once, across campaigns (its code is stable); it
/// joins a campaign, is edited, leaves a campaign that holds none of its findings, and is given
/// its members as tester accounts, several at once. Each change is checked first, then saved with
/// its audit entry in one transaction; refusals are `PatrolError`s naming the field and value.
struct TeamRoster {
    let db: any Database
    let actor: Actor
    let audit: AuditContext
    /// Where `Accounts` hashes the members' passwords (its thread pool and Bcrypt cost).
    let application: Application
    var now: Date = Date()

    /// A team code names the team in paths and starts its members' generated usernames
    /// (`T01` → `t01-01`), so it is short and of characters that need no escaping.
    static let codeMaxLength = 20
    /// Members made at once: each costs a Bcrypt hash inside the one transaction.
    static let membersMax = 100

    static func isValidCode(_ code: String) -> Bool {
        !code.isEmpty && code.count <= codeMaxLength && code != "new"
            && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Adds a team to `campaign`: a new code makes the team, a known one links that team as it is
    /// (its details are edited on their own, since other campaigns share them). Joins active.
    func add(_ draft: TeamDraft, to campaign: Campaign) async throws -> (link: CampaignTeam, created: Bool) {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageTeams))
        let code = draft.code?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard Self.isValidCode(code) else {
            throw PatrolError.invalid("error.team.code", ["code": code, "n": "\(Self.codeMaxLength)"])
        }
        let campaignID = try campaign.requireID()
        let existing = try await Team.query(on: db).filter(\.$code == code).first()
        if let existing, try await CampaignTeam.query(on: db).filter(\.$campaign.$id == campaignID)
            .filter(\.$team.$id == existing.requireID()).count() > 0 {
            throw PatrolError.conflict("error.team.alreadyInCampaign", ["code": code, "campaign": campaign.code])
        }
        let team = existing ?? Team(code: code, name: "")
        let details = existing == nil ? try apply(draft, to: team) : [:]
        let (audit, created) = (self.audit, existing == nil)
        return try await db.transaction { db in
            if created {
                try await team.create(on: db)
                try await AuditLog.append(on: db, audit, action: "team.create", objectType: "team", objectID: code, details: details)
            }
            let link = CampaignTeam()
            link.$campaign.id = campaignID
            link.$team.id = try team.requireID()
            link.state = .active
            link.interception = false
            try await link.create(on: db)
            try await AuditLog.append(on: db, audit, action: "team.join", objectType: "team", objectID: "\(campaign.code)/\(code)",
                                      details: ["name": team.name])
            link.$team.value = team
            return (link, created)
        }
    }

    /// Changes a team's name, firm and contact (its code stays: it names the team everywhere).
    /// Fields left out (nil) stay; a blank optional field clears it.
    func update(_ team: Team, with draft: TeamDraft) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageTeams))
        let changes = try apply(draft, to: team)
        guard !changes.isEmpty else { return }
        let audit = self.audit
        try await db.transaction { db in
            try await team.save(on: db)
            try await AuditLog.append(on: db, audit, action: "team.update", objectType: "team", objectID: team.code, details: changes)
        }
    }

    /// Checks `draft` and sets it on `team`; returns what changed, for the audit entry.
    private func apply(_ draft: TeamDraft, to team: Team) throws -> [String: String] {
        func clean(_ s: String?) -> String? { s?.trimmingCharacters(in: .whitespacesAndNewlines) }
        let name = clean(draft.name) ?? (team.id == nil ? "" : team.name)
        guard !name.isEmpty else { throw PatrolError.invalid("error.team.nameRequired") }
        var phone = team.contactPhone
        if let raw = clean(draft.contactPhone) {
            if raw.isEmpty { phone = nil } else {
                guard let normalized = Phone.normalizedMainlandMobile(raw) else {
                    throw PatrolError.invalid("error.team.contactPhone", ["phone": raw])
                }
                phone = normalized
            }
        }
        let company = clean(draft.company).map { $0.nonEmpty } ?? team.company
        let contact = clean(draft.contactName).map { $0.nonEmpty } ?? team.contactName
        var changes: [String: String] = [:]
        func note(_ field: String, _ before: String?, _ after: String?) {
            guard before != after else { return }
            changes[field] = team.id == nil ? (after ?? "") : "\(before ?? "") → \(after ?? "")"
        }
        note("name", team.id == nil ? nil : team.name, name)
        note("company", team.company, company)
        note("contactName", team.contactName, contact)
        note("contactPhone", team.contactPhone, phone)
        team.name = name
        team.company = company
        team.contactName = contact
        team.contactPhone = phone
        return changes
    }

    /// Takes the team out of `campaign`. Refused while the campaign holds findings of the team:
    /// they name it, and its results are part of the campaign's record. Its accounts stay (the
    /// team may take part in other campaigns); disabling them is the users' own switch.
    func leave(_ link: CampaignTeam, campaign: Campaign) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageTeams))
        let teamID = link.$team.id
        let code = link.team.code
        let findings = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$team.$id == teamID).count()
        guard findings == 0 else {
            throw PatrolError.conflict("error.team.hasFindings", ["code": code, "n": "\(findings)"])
        }
        let audit = self.audit
        try await db.transaction { db in
            try await link.delete(on: db)
            try await AuditLog.append(on: db, audit, action: "team.leave", objectType: "team", objectID: "\(campaign.code)/\(code)")
        }
    }

    /// A member made: the account, and its initial password, to be shown once and kept nowhere.
    struct NewMember {
        var user: User
        var password: String
    }

    /// Makes a tester account for each member, all or none: every entry is checked first (a
    /// refusal names its row and value), then the accounts are made in one transaction through
    /// `Accounts.create`, each with a generated password its holder must change at first sign-in.
    /// A member without a username gets the team code's next free one (`t01-01`, `t01-02`, …).
    func addMembers(_ draft: TeamMembersDraft, to team: Team, campaign: Campaign) async throws -> [NewMember] {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageTeams))
        let entries = draft.entries
        guard !entries.isEmpty else { throw PatrolError.invalid("error.teamMembers.none") }
        guard entries.count <= Self.membersMax else {
            throw PatrolError.invalid("error.teamMembers.tooMany", ["n": "\(Self.membersMax)"])
        }
        var accounts: [UserDraft] = []
        var chosen: Set<String> = []
        for (row, member) in entries {
            let name = member.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else { throw PatrolError.invalid("error.teamMembers.name", ["row": "\(row)"]) }
            var phone: String?
            if let raw = member.phone?.trimmingCharacters(in: .whitespaces).nonEmpty {
                guard let normalized = Phone.normalizedMainlandMobile(raw) else {
                    throw PatrolError.invalid("error.teamMembers.phone", ["row": "\(row)", "phone": raw])
                }
                phone = normalized
            }
            var username = ""
            if let given = member.username?.trimmingCharacters(in: .whitespaces).nonEmpty {
                username = given.lowercased()
                guard Accounts.validUsername(username) else {
                    throw PatrolError.invalid("error.teamMembers.username", ["row": "\(row)", "username": given])
                }
                guard chosen.insert(username).inserted else {
                    throw PatrolError.conflict("error.teamMembers.repeated", ["row": "\(row)", "username": username])
                }
            }
            accounts.append(UserDraft(username: username, displayName: name, role: Role.tester.rawValue, team: team.code, phone: phone))
        }
        let taken = Set(try await User.query(on: db).filter(\.$username ~~ Array(chosen)).all(\.$username))
        if let row = entries.indices.first(where: { taken.contains(accounts[$0].username) }) {
            throw PatrolError.conflict("error.teamMembers.taken", ["row": "\(entries[row].row)", "username": accounts[row].username])
        }
        let prefix = team.code.lowercased() + "-"
        var used = Set(try await User.query(on: db).filter(\.$username =~ prefix).all(\.$username)).union(chosen)
        var next = 1
        for index in accounts.indices where accounts[index].username.isEmpty {
            while used.contains(prefix + Self.serial(next)) { next += 1 }
            accounts[index].username = prefix + Self.serial(next)
            used.insert(accounts[index].username)
        }
        let (audit, application) = (self.audit, self.application)
        let drafts = accounts
        return try await db.transaction { db in
            var made: [NewMember] = []
            for draft in drafts {
                let created = try await Accounts(db: db, application: application).create(draft, context: audit)
                guard let password = created.generatedPassword else { continue }
                made.append(NewMember(user: created.user, password: password))
            }
            try await AuditLog.append(on: db, audit, action: "team.members.add", objectType: "team",
                                      objectID: "\(campaign.code)/\(team.code)",
                                      details: ["count": "\(made.count)", "usernames": made.map(\.user.username).joined(separator: ", ")])
            return made
        }
    }

    /// `01`, `02`, … `99`, `100`: two digits at least, so a team's list sorts as it was numbered.
    static func serial(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

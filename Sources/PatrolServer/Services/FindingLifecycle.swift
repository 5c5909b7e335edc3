import Fluent
import Foundation
import PatrolCore
import PatrolSMS
import PatrolStore

/// The finding lifecycle of SPEC §3 — submit, resubmit, review, notice, remediation, retest — for
/// one acting user, with no HTTP in sight: the API, the pages, the command line and importers are
/// adapters over it. Each operation asks the access policy, checks its input, and makes its state
/// change as a conditional move (`FindingTransitions`) in one transaction with its audit entry and,
/// where the unit is told, its SMS outbox rows. Refusals are `PatrolError`s naming what is wrong.
public struct FindingLifecycle: Sendable {
    let db: any Database
    let actor: Actor
    /// Who acted, from where, for the audit log.
    let audit: AuditContext
    let now: @Sendable () -> Date

    public init(db: any Database, actor: Actor, audit: AuditContext, now: @escaping @Sendable () -> Date = { Date() }) {
        self.db = db
        self.actor = actor
        self.audit = audit
        self.now = now
    }

    func authorize(_ action: Action) throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, action))
    }

    // MARK: - Reading

    /// A finding of the campaign by code, with its relations, if the actor may see it (else 404).
    public func finding(_ code: String, in campaign: Campaign) async throws -> Finding {
        guard let f = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$code == code).with(\.$unit).with(\.$team).with(\.$asset).with(\.$notice).first() else {
            throw PatrolError.notFound
        }
        try authorize(.viewFinding(unitID: f.$unit.id, teamID: f.$team.id, status: f.status))
        return f
    }

    /// The campaign's findings the actor may see (the policy's `findingScope`), units and teams loaded.
    func visibleFindings(in campaign: Campaign) throws -> QueryBuilder<Finding> {
        Finding.query(on: db, campaignID: try campaign.requireID(), scope: AccessPolicy.findingScope(for: actor))
            .with(\.$unit).with(\.$team)
    }

    // MARK: - Submission

    /// Testing happens inside the window of a running campaign (`TestingWindow`), by an active team.
    func requireOpenWindow(_ campaign: Campaign) throws {
        guard campaign.testingWindow.isOpen(at: now()) else {
            throw PatrolError(.conflict, code: "window_closed", key: "error.finding.windowClosed",
                              values: ["start": campaign.timeText(campaign.startsAt), "end": campaign.timeText(campaign.endsAt)])
        }
    }

    func requireActiveTeam(_ campaign: Campaign, teamID: UUID) async throws {
        guard let link = try await CampaignTeam.query(on: db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$team.$id == teamID).first() else {
            throw PatrolError(.forbidden, code: "forbidden", key: "error.finding.teamNotInCampaign")
        }
        guard link.state == .active else { throw PatrolError(.forbidden, code: "team_suspended", key: "error.finding.teamSuspended") }
    }

    /// A tester's new finding, numbered F0001, F0002, … in its campaign; loaded with its relations.
    public func submit(_ draft: FindingDraft, in campaign: Campaign) async throws -> Finding {
        try await submit(draft, in: campaign, attachments: [])
    }

    /// A new finding with files already checked (`EvidenceController.check`), recorded in its transaction.
    func submit(_ draft: FindingDraft, in campaign: Campaign, attachments: [EvidenceController.Checked]) async throws -> Finding {
        try authorize(.submitFinding)
        let at = now()
        try requireOpenWindow(campaign)
        guard let teamID = actor.teamID else { throw PatrolError.forbidden }
        try await requireActiveTeam(campaign, teamID: teamID)
        let f = Finding()
        f.$campaign.id = try campaign.requireID()
        f.$team.id = teamID
        f.$submittedBy.id = actor.userID
        try await apply(draft, to: f, campaign: campaign, creating: true)
        f.status = .submitted
        f.submittedAt = at
        // Codes are F0001, F0002, … per campaign; a concurrent submission taking the same code makes
        // the unique index refuse ours, and we take the next.
        var attempt = 0
        while true {
            f.code = try await nextCode(campaign)
            do {
                try await db.transaction { db in
                    try await f.create(on: db)
                    try await AuditLog.append(on: db, audit, action: "finding.submit", objectType: "finding",
                                              objectID: "\(campaign.code)/\(f.code)",
                                              details: ["unit": draft.unit ?? "", "kind": f.kind.rawValue, "title": f.title])
                    _ = try await EvidenceController.record(attachments, finding: f, campaign: campaign, on: db, actor: actor, audit: audit)
                }
                break
            } catch let error as any DatabaseError where error.isConstraintFailure && attempt < 5 {
                attempt += 1
                f.id = nil
                f.$id.exists = false
            }
        }
        return try await Finding.query(on: db).filter(\.$id == f.requireID())
            .with(\.$unit).with(\.$team).with(\.$asset).with(\.$notice).first()!
    }

    func nextCode(_ campaign: Campaign) async throws -> String {
        let codes = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID()).all(\.$code)
        let highest = codes.compactMap { $0.hasPrefix("F") ? Int($0.dropFirst()) : nil }.max() ?? 0
        return "F" + String(format: "%04d", highest + 1)
    }

    /// A tester corrects a finding the reviewer asked about; it goes back to the queue.
    public func resubmit(_ f: Finding, _ draft: FindingDraft, in campaign: Campaign) async throws {
        try authorize(.editFinding(teamID: f.$team.id))
        let at = now()
        try requireOpenWindow(campaign)
        try await requireActiveTeam(campaign, teamID: f.$team.id)
        let next = try transition(f, .resubmit)
        try await apply(draft, to: f, campaign: campaign, creating: false)
        try await db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: f.status, to: next, now: at, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            f.status = next
            try await f.save(on: db)
            try await AuditLog.append(on: db, audit, action: "finding.resubmit", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["to": next.rawValue])
        }
    }

    /// The next status for `event`, or a conflict naming the status the finding is in.
    func transition(_ f: Finding, _ event: FindingEvent) throws -> FindingStatus {
        do { return try FindingWorkflow.next(f.status, event) } catch {
            throw PatrolError.conflict("error.finding.transition", keys: ["status": "finding.status.\(f.status.rawValue)"])
        }
    }

    // MARK: - Review

    public func review(_ f: Finding, _ draft: ReviewDraft, in campaign: Campaign) async throws {
        try authorize(.reviewFindings)
        let event: FindingEvent
        switch draft.decision {
        case "verify": event = .verify
        case "needInfo": event = .requestInfo
        case "reject": event = .reject
        case "duplicate": event = .markDuplicate
        default: throw PatrolError.invalid("error.finding.decision", ["decision": draft.decision ?? ""])
        }
        let note = draft.note?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        if let note, note.count > 5_000 { throw PatrolError.invalid("error.finding.tooLong", ["field": "note", "n": "5000"]) }
        let next = try transition(f, event)
        let from = f.status
        let at = now()
        var details = ["decision": draft.decision ?? "", "from": from.rawValue, "to": next.rawValue]
        switch event {
        case .verify:
            if let s = draft.severity?.nonEmpty {
                guard let severity = Severity(rawValue: s), f.kind == .vulnerability else {
                    throw PatrolError.invalid("error.finding.severity", ["severity": s])
                }
                if severity != f.severity { details["severity"] = "\(f.severity?.rawValue ?? "") → \(s)" }
                f.severity = severity
            }
            if let w = draft.weakPassword, w != f.weakPassword { details["weakPassword"] = String(w); f.weakPassword = w }
            if let n = draft.sensitiveRecords {
                guard n >= 0 else { throw PatrolError.invalid("error.finding.negative", ["field": "sensitiveRecords"]) }
                if n != f.sensitiveRecords { details["sensitiveRecords"] = String(n) }
                f.sensitiveRecords = n
            }
            f.verifiedAt = at
            f.reviewNote = note
        case .requestInfo, .reject:
            guard let note else { throw PatrolError.invalid("error.finding.noteRequired") }
            f.reviewNote = note
        case .markDuplicate:
            guard let code = draft.duplicateOf?.nonEmpty,
                  let original = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                    .filter(\.$code == code).first(), original.id != f.id,
                  ![.rejected, .duplicate].contains(original.status) else {
                throw PatrolError.invalid("error.finding.duplicateOf", ["code": draft.duplicateOf ?? ""])
            }
            f.$duplicateOf.id = try original.requireID()
            f.reviewNote = note
            details["duplicateOf"] = code
        default: break
        }
        let auditDetails = details
        try await db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: from, to: next, now: at, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            f.status = next
            try await f.save(on: db)
            try await AuditLog.append(on: db, audit, action: "finding.review", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: auditDetails)
        }
    }

    // MARK: - Notices

    /// Issues a notice of verified findings to one unit, with an SMS per liaison phone, in one
    /// transaction; returns the notice, the unit's code and the findings' codes.
    public func issueNotice(_ draft: NoticeDraft, in campaign: Campaign) async throws -> (Notice, String, [String]) {
        try authorize(.issueNotice)
        guard let unitCode = draft.unit?.nonEmpty,
              let unit = try await PatrolStore.Unit.query(on: db).filter(\.$code == unitCode).with(\.$liaisons).first(),
              try await CampaignUnit.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$unit.$id == unit.requireID()).first() != nil else {
            throw PatrolError.invalid("error.unit.unknown", ["code": draft.unit ?? ""])
        }
        let codes = Array(Set(draft.findings ?? [])).sorted()
        guard !codes.isEmpty else { throw PatrolError.invalid("error.notice.empty") }
        let findings = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$code ~~ codes).all()
        for code in codes {
            guard let f = findings.first(where: { $0.code == code }) else { throw PatrolError.invalid("error.notice.unknownFinding", ["code": code]) }
            guard f.$unit.id == unit.id else { throw PatrolError.invalid("error.notice.otherUnit", ["code": code, "unit": unitCode]) }
            guard f.status == .verified else {
                throw PatrolError.conflict("error.notice.notVerified", ["code": code], keys: ["status": "finding.status.\(f.status.rawValue)"])
            }
        }
        let at = now()
        let firstMark = campaign.scoringPolicy.remediationBrackets.first?.withinHours ?? 24
        let deadline = campaign.timeText(at.addingTimeInterval(TimeInterval(firstMark * 3600)))
        let notice: Notice = try await db.transaction { db in
            let seq = (try await Notice.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$unit.$id == unit.requireID()).max(\.$seq) ?? 0) + 1
            let code = "\(campaign.code)-\(unit.code)-\(String(format: "%03d", seq))"
            let notice = Notice(campaignID: try campaign.requireID(), unitID: try unit.requireID(), code: code, seq: seq,
                                issuedAt: at, issuedByID: actor.userID)
            try await notice.create(on: db)
            for f in findings {
                guard try await FindingTransitions.move(f.requireID(), from: .verified, to: .notified, now: at, on: db) else {
                    throw PatrolError.conflict("error.finding.concurrent")
                }
                f.status = .notified
                f.notifiedAt = at
                f.$notice.id = try notice.requireID()
                try await f.save(on: db)
            }
            // One SMS per liaison phone, in the same transaction as the notice (SPEC §4).
            let event = SMSEvent.notice(unit: unit.name, notice: code, findings: findings.count, deadline: deadline)
            for phone in Set(unit.liaisons.map(\.phone)).sorted() {
                try await SMSMessage(campaignID: try campaign.requireID(), event: event, dedupeKey: "notice:\(code):\(phone)",
                                     phone: phone, now: at).create(on: db)
            }
            try await AuditLog.append(on: db, audit, action: "notice.issue", objectType: "notice", objectID: code,
                                      details: ["unit": unit.code, "findings": codes.joined(separator: ","),
                                                "sms": String(Set(unit.liaisons.map(\.phone)).count)])
            return notice
        }
        return (notice, unit.code, codes)
    }

    // MARK: - Remediation and retest

    /// The unit's report that a notified finding is fixed (and its shells deleted).
    public func remediate(_ f: Finding, _ draft: RemediationDraft, in campaign: Campaign) async throws {
        try await remediate(f, draft, in: campaign, attachments: [])
    }

    func remediate(_ f: Finding, _ draft: RemediationDraft, in campaign: Campaign,
                   attachments: [EvidenceController.Checked]) async throws {
        try authorize(.submitRemediation(unitID: f.$unit.id))
        guard let summary = draft.summary?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty else {
            throw PatrolError.invalid("error.finding.missing", ["field": "summary"])
        }
        guard summary.count <= 20_000 else { throw PatrolError.invalid("error.finding.tooLong", ["field": "summary", "n": "20000"]) }
        if !f.shellPaths.isEmpty, draft.shellsRemoved != true {
            throw PatrolError.invalid("error.remediation.shells", ["paths": f.shellPaths.joined(separator: ", ")])
        }
        let next = try transition(f, .submitReport)
        let at = now()
        try await db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: f.status, to: next, now: at, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            let report = RemediationReport(findingID: try f.requireID(), submittedAt: at, description: summary,
                                           shellsDeleted: f.shellPaths, submittedByID: actor.userID)
            try await report.create(on: db)
            _ = try await EvidenceController.record(attachments, finding: f, reportID: try report.requireID(), campaign: campaign,
                                                    on: db, actor: actor, audit: audit)
            f.status = next
            try await AuditLog.append(on: db, audit, action: "finding.remediation", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["shellsDeleted": String(f.shellPaths.count)])
        }
    }

    /// The organiser's retest of the latest report: passed closes the finding, failed returns it
    /// to the unit (退回) with an SMS per liaison phone.
    public func retest(_ f: Finding, _ draft: RetestDraft, in campaign: Campaign) async throws {
        try authorize(.reviewFindings)
        guard let result = draft.result.flatMap(RetestResult.init(rawValue:)) else {
            throw PatrolError.invalid("error.retest.result", ["result": draft.result ?? ""])
        }
        let note = draft.note?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        if result == .failed, note == nil { throw PatrolError.invalid("error.finding.noteRequired") }
        let next = try transition(f, result == .passed ? .retestPassed : .retestFailed)
        guard let report = try await RemediationReport.query(on: db).filter(\.$finding.$id == f.requireID())
            .with(\.$retests).sort(\.$submittedAt, .descending).first(), report.retests.isEmpty else {
            throw PatrolError.conflict("error.retest.noReport")
        }
        let at = now()
        try await db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: f.status, to: next, now: at, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            try await Retest(reportID: report.requireID(), result: result, reason: note, decidedAt: at,
                             decidedByID: actor.userID).create(on: db)
            f.status = next
            if result == .passed { f.closedAt = at }
            try await f.save(on: db)
            if result == .failed {
                let unit = try await PatrolStore.Unit.query(on: db).filter(\.$id == f.$unit.id).with(\.$liaisons).first()!
                let noticeCode = try await f.$notice.get(on: db)?.code ?? ""
                let event = SMSEvent.returned(unit: unit.name, notice: noticeCode, finding: f.code)
                for phone in Set(unit.liaisons.map(\.phone)).sorted() {
                    try await SMSMessage(campaignID: try campaign.requireID(), event: event,
                                         dedupeKey: "returned:\(try report.requireID()):\(phone)", phone: phone, now: at).create(on: db)
                }
            }
            try await AuditLog.append(on: db, audit, action: "finding.retest", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["result": result.rawValue, "to": next.rawValue])
        }
    }
}

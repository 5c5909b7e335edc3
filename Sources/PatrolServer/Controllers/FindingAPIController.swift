import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The finding lifecycle through the API (SPEC §3): submission, review, notices, remediation and
/// retest. Every state change is a conditional move (`FindingTransitions`) inside a transaction
/// with its audit entry and, where the unit is told, its SMS outbox rows.
struct FindingAPIController: RouteCollection {
    /// Remediation reports may carry attachments (multipart) up to the upload cap.
    var maxBytes = 20 * 1024 * 1024

    func boot(routes: any RoutesBuilder) throws {
        func api(_ page: SiteURL.CampaignPage) -> SiteURL { .api(.campaign(.key, page)) }
        routes.endpoint(.POST, api(.findings), access: .policy(.submitFinding), use: submit)
        routes.endpoint(.GET, api(.findings), access: .policy(.listFindings), use: list)
        routes.endpoint(.GET, api(.finding(.key, .page)), access: .signedIn, use: get)
        routes.endpoint(.PATCH, api(.finding(.key, .page)), access: .signedIn, use: resubmit)
        routes.endpoint(.POST, api(.finding(.key, .review)), access: .policy(.reviewFindings), use: review)
        routes.endpoint(.POST, api(.finding(.key, .remediations)), access: .signedIn,
                        body: .collect(maxSize: ByteCount(value: maxBytes + 64 * 1024)), use: remediate)
        routes.endpoint(.POST, api(.finding(.key, .retests)), access: .policy(.reviewFindings), use: retest)
        routes.endpoint(.POST, api(.finding(.key, .shellCheck)), access: .policy(.reviewFindings), use: shellCheck)
        routes.endpoint(.POST, api(.notices), access: .policy(.issueNotice), use: issueNotice)
        routes.endpoint(.GET, api(.notices), access: .policy(.listNotices), use: notices)
        routes.endpoint(.GET, .api(.sms), access: .policy(.viewSMS), use: sms)
    }

    // MARK: - Reading

    /// The finding named by `:finding`, with its relations, if the actor may see it (else 404).
    static func finding(_ req: Request, _ campaign: Campaign) async throws -> Finding {
        guard let code = req.parameters.get("finding"),
              let f = try await Finding.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$code == code).with(\.$unit).with(\.$team).with(\.$asset).with(\.$notice).first() else {
            throw PatrolError.notFound
        }
        try req.authorize(.viewFinding(unitID: f.$unit.id, teamID: f.$team.id, status: f.status))
        return f
    }

    static func dto(_ req: Request, _ f: Finding, withReports: Bool = true) async throws -> FindingDTO {
        let reports = withReports
            ? try await RemediationReport.query(on: req.db).filter(\.$finding.$id == f.requireID()).with(\.$retests)
                .sort(\.$submittedAt).all()
            : nil
        var duplicateOf: String?
        if let id = f.$duplicateOf.id { duplicateOf = try await Finding.find(id, on: req.db)?.code }
        return FindingDTO(f, unitCode: f.unit.code, teamCode: f.team.code, assetCode: f.asset?.code,
                          noticeCode: f.notice?.code, duplicateOf: duplicateOf, reports: reports, for: try req.requireActor())
    }

    /// The campaign's findings the actor may see: the rule of `viewFinding` as a query (testers
    /// their team's, liaisons their unit's once notified, staff all). Lists use only this.
    static func visibleQuery(_ req: Request, _ campaign: Campaign, _ actor: Actor) throws -> QueryBuilder<Finding> {
        let query = Finding.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID())).with(\.$unit).with(\.$team)
        switch actor.role {
        case .tester: return query.filter(\.$team.$id == (actor.teamID ?? UUID()))
        case .liaison:
            return query.filter(\.$unit.$id == (actor.unitID ?? UUID())).filter(\.$status ~~ FindingStatus.allCases.filter(\.isNotified))
        case .observer: return query.filter(\.$id == UUID())
        case .admin, .reviewer: return query
        }
    }

    struct ListFilter: Decodable {
        var unit: String?
        var team: String?
        var status: String?
        var severity: String?
    }

    func list(req: Request) async throws -> [FindingDTO] {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let filter = try req.query.decode(ListFilter.self)
        var query = try Self.visibleQuery(req, campaign, actor).with(\.$asset).with(\.$notice)
        if let s = filter.status?.nonEmpty {
            guard let status = FindingStatus(rawValue: s) else { throw PatrolError.invalid("error.finding.status", ["status": s]) }
            // The public `submitted` includes findings waiting for information.
            query = status == .submitted ? query.filter(\.$status ~~ [.submitted, .needInfo]) : query.filter(\.$status == status)
        }
        if let s = filter.severity?.nonEmpty {
            guard let severity = Severity(rawValue: s) else { throw PatrolError.invalid("error.finding.severity", ["severity": s]) }
            query = query.filter(\.$severity == severity)
        }
        // Unit and team filters by code, in the query (an unknown code matches nothing).
        if let u = filter.unit?.nonEmpty {
            query = query.filter(\.$unit.$id == (try await PatrolStore.Unit.query(on: req.db).filter(\.$code == u).first()?.id ?? UUID()))
        }
        if let t = filter.team?.nonEmpty {
            query = query.filter(\.$team.$id == (try await Team.query(on: req.db).filter(\.$code == t).first()?.id ?? UUID()))
        }
        let findings = try await query.sort(\.$submittedAt).all()
        let dupIDs = findings.compactMap { $0.$duplicateOf.id }
        let dupCodes = dupIDs.isEmpty ? [:] : Dictionary(
            try await Finding.query(on: req.db).filter(\.$id ~~ dupIDs).all().map { ($0.id!, $0.code) }, uniquingKeysWith: { a, _ in a })
        return findings.map { f in
            FindingDTO(f, unitCode: f.unit.code, teamCode: f.team.code, assetCode: f.asset?.code, noticeCode: f.notice?.code,
                       duplicateOf: f.$duplicateOf.id.flatMap { dupCodes[$0] }, reports: nil, for: actor)
        }
    }

    func get(req: Request) async throws -> FindingDTO {
        let campaign = try await req.campaign()
        return try await Self.dto(req, try await Self.finding(req, campaign))
    }

    // MARK: - Submission

    struct SubmitBody: Content {
        var unit: String?
        var asset: String?
        var kind: String?
        var severity: String?
        var type: String?
        var title: String?
        var description: String?
        var reproduction: String?
        var url: String?
        var weakPassword: Bool?
        var sensitiveRecords: Int?
        var shellPaths: [String]?
    }

    /// Testing happens inside the window of a running campaign, and only by an active team.
    static func requireOpenWindow(_ req: Request, _ campaign: Campaign, now: Date) throws {
        guard campaign.state == .running, now >= campaign.startsAt, now < campaign.endsAt else {
            throw PatrolError(.conflict, code: "window_closed", key: "error.finding.windowClosed",
                              values: ["start": req.timeText(campaign.startsAt, in: campaign),
                                       "end": req.timeText(campaign.endsAt, in: campaign)])
        }
    }

    static func requireActiveTeam(_ req: Request, _ campaign: Campaign, teamID: UUID) async throws {
        guard let link = try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$team.$id == teamID).first() else {
            throw PatrolError(.forbidden, code: "forbidden", key: "error.finding.teamNotInCampaign")
        }
        guard link.state == .active else { throw PatrolError(.forbidden, code: "team_suspended", key: "error.finding.teamSuspended") }
    }

    /// Applies the submitted fields to a finding, checking each; `creating` requires the essentials.
    static func apply(_ body: SubmitBody, to f: Finding, campaign: Campaign, creating: Bool, on req: Request) async throws {
        func text(_ value: String?, _ field: String, max: Int) throws -> String? {
            guard let v = value?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            guard v.count <= max else { throw PatrolError.invalid("error.finding.tooLong", ["field": field, "n": String(max)]) }
            return v
        }
        if creating || body.unit != nil {
            guard let code = body.unit?.nonEmpty else { throw PatrolError.invalid("error.finding.missing", ["field": "unit"]) }
            guard let unit = try await PatrolStore.Unit.query(on: req.db).filter(\.$code == code).first(),
                  try await CampaignUnit.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                    .filter(\.$unit.$id == unit.requireID()).first() != nil else {
                throw PatrolError.invalid("error.unit.unknown", ["code": code])
            }
            f.$unit.id = try unit.requireID()
        }
        if creating || body.kind != nil {
            guard let k = body.kind?.nonEmpty else { throw PatrolError.invalid("error.finding.missing", ["field": "kind"]) }
            guard let kind = FindingKind(rawValue: k) else { throw PatrolError.invalid("error.finding.kind", ["kind": k]) }
            f.kind = kind
        }
        if let a = body.asset?.nonEmpty {
            guard let asset = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$code == a).first() else { throw PatrolError.invalid("error.finding.asset", ["asset": a]) }
            guard asset.$unit.id == f.$unit.id else { throw PatrolError.invalid("error.finding.assetOfOtherUnit", ["asset": a]) }
            f.$asset.id = try asset.requireID()
        } else if body.asset != nil || creating {
            f.$asset.id = nil
        }
        if f.kind != .assetDiscrepancy, f.$asset.id == nil {
            throw PatrolError.invalid("error.finding.missing", ["field": "asset"])
        }
        if let s = body.severity?.nonEmpty {
            guard let severity = Severity(rawValue: s) else { throw PatrolError.invalid("error.finding.severity", ["severity": s]) }
            f.severity = severity
        }
        if f.kind == .vulnerability, f.severity == nil { throw PatrolError.invalid("error.finding.missing", ["field": "severity"]) }
        if f.kind != .vulnerability { f.severity = nil }
        if let t = body.type?.nonEmpty {
            guard let type = FindingType(keyOrName: t) else {
                throw PatrolError.invalid("error.finding.type", ["type": t, "allowed": FindingType.allCases.map(\.name).joined(separator: "、")])
            }
            f.type = type.name
        }
        if creating || body.title != nil {
            guard let title = try text(body.title, "title", max: 200) else { throw PatrolError.invalid("error.finding.missing", ["field": "title"]) }
            f.title = title
        }
        if creating || body.description != nil { f.description = try text(body.description, "description", max: 20_000) }
        if creating || body.reproduction != nil { f.reproduction = try text(body.reproduction, "reproduction", max: 20_000) }
        if let u = try text(body.url, "url", max: 2_000) {
            guard let url = URL(string: u), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw PatrolError.invalid("error.finding.url", ["url": u])
            }
            f.url = u
        } else if creating || body.url != nil { f.url = nil }
        if let w = body.weakPassword { f.weakPassword = w } else if creating { f.weakPassword = false }
        if let n = body.sensitiveRecords {
            guard n >= 0 else { throw PatrolError.invalid("error.finding.negative", ["field": "sensitiveRecords"]) }
            f.sensitiveRecords = n
        } else if creating { f.sensitiveRecords = 0 }
        if let paths = body.shellPaths {
            let cleaned = try paths.compactMap { try text($0, "shellPaths", max: 1_000) }
            guard cleaned.count <= 50 else { throw PatrolError.invalid("error.finding.tooMany", ["field": "shellPaths", "n": "50"]) }
            f.shellPaths = cleaned
        } else if creating { f.shellPaths = [] }
    }

    func submit(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.create(try req.content.decode(SubmitBody.self), req, campaign)
        let response = try await Self.dto(req, f).encodeResponse(for: req)
        response.status = .created
        return response
    }

    /// A tester's new finding, numbered F0001, F0002, … in its campaign; loaded with its relations.
    static func create(_ body: SubmitBody, _ req: Request, _ campaign: Campaign,
                       attachments: [EvidenceController.Checked] = []) async throws -> Finding {
        let actor = try req.requireActor()
        let now = Date()
        try Self.requireOpenWindow(req, campaign, now: now)
        guard let teamID = actor.teamID else { throw PatrolError.forbidden }
        try await Self.requireActiveTeam(req, campaign, teamID: teamID)
        let f = Finding()
        f.$campaign.id = try campaign.requireID()
        f.$team.id = teamID
        f.$submittedBy.id = actor.userID
        try await Self.apply(body, to: f, campaign: campaign, creating: true, on: req)
        f.status = .submitted
        f.submittedAt = now
        // Codes are F0001, F0002, … per campaign; a concurrent submission taking the same code makes
        // the unique index refuse ours, and we take the next.
        var attempt = 0
        while true {
            f.code = try await Self.nextCode(req.db, campaign)
            do {
                try await req.db.transaction { db in
                    try await f.create(on: db)
                    try await AuditLog.append(on: db, req.auditContext, action: "finding.submit", objectType: "finding",
                                              objectID: "\(campaign.code)/\(f.code)",
                                              details: ["unit": body.unit ?? "", "kind": f.kind.rawValue, "title": f.title])
                    _ = try await EvidenceController.record(attachments, finding: f, campaign: campaign, on: db, req)
                }
                break
            } catch let error as any DatabaseError where error.isConstraintFailure && attempt < 5 {
                attempt += 1
                f.id = nil
                f.$id.exists = false
            }
        }
        return try await Finding.query(on: req.db).filter(\.$id == f.requireID())
            .with(\.$unit).with(\.$team).with(\.$asset).with(\.$notice).first()!
    }

    static func nextCode(_ db: any Database, _ campaign: Campaign) async throws -> String {
        let codes = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID()).all(\.$code)
        let highest = codes.compactMap { $0.hasPrefix("F") ? Int($0.dropFirst()) : nil }.max() ?? 0
        return "F" + String(format: "%04d", highest + 1)
    }

    /// A tester edits a finding the reviewer asked about; it goes back to the queue.
    func resubmit(req: Request) async throws -> FindingDTO {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        try await Self.resubmit(f, try req.content.decode(SubmitBody.self), req, campaign)
        return try await Self.dto(req, f)
    }

    static func resubmit(_ f: Finding, _ body: SubmitBody, _ req: Request, _ campaign: Campaign) async throws {
        try req.authorize(.editFinding(teamID: f.$team.id))
        let now = Date()
        try Self.requireOpenWindow(req, campaign, now: now)
        try await Self.requireActiveTeam(req, campaign, teamID: f.$team.id)
        let next: FindingStatus
        do { next = try FindingWorkflow.next(f.status, .resubmit) } catch {
            throw PatrolError.conflict("error.finding.transition", ["status": req.t("finding.status.\(f.status.rawValue)")])
        }
        try await Self.apply(body, to: f, campaign: campaign, creating: false, on: req)
        try await req.db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: f.status, to: next, now: now, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            f.status = next
            try await f.save(on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "finding.resubmit", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["to": next.rawValue])
        }
    }

    // MARK: - Review

    struct ReviewBody: Content {
        var decision: String?
        var severity: String?
        var weakPassword: Bool?
        var sensitiveRecords: Int?
        var duplicateOf: String?
        var note: String?
    }

    func review(req: Request) async throws -> FindingDTO {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        try await Self.review(f, try req.content.decode(ReviewBody.self), req, campaign)
        return try await Self.dto(req, f)
    }

    static func review(_ f: Finding, _ body: ReviewBody, _ req: Request, _ campaign: Campaign) async throws {
        try req.authorize(.reviewFindings)
        let event: FindingEvent
        switch body.decision {
        case "verify": event = .verify
        case "needInfo": event = .requestInfo
        case "reject": event = .reject
        case "duplicate": event = .markDuplicate
        default: throw PatrolError.invalid("error.finding.decision", ["decision": body.decision ?? ""])
        }
        let note = body.note?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        if let note, note.count > 5_000 { throw PatrolError.invalid("error.finding.tooLong", ["field": "note", "n": "5000"]) }
        let next: FindingStatus
        do { next = try FindingWorkflow.next(f.status, event) } catch {
            throw PatrolError.conflict("error.finding.transition", ["status": req.t("finding.status.\(f.status.rawValue)")])
        }
        let from = f.status
        let now = Date()
        var details = ["decision": body.decision ?? "", "from": from.rawValue, "to": next.rawValue]
        switch event {
        case .verify:
            if let s = body.severity?.nonEmpty {
                guard let severity = Severity(rawValue: s), f.kind == .vulnerability else {
                    throw PatrolError.invalid("error.finding.severity", ["severity": s])
                }
                if severity != f.severity { details["severity"] = "\(f.severity?.rawValue ?? "") → \(s)" }
                f.severity = severity
            }
            if let w = body.weakPassword, w != f.weakPassword { details["weakPassword"] = String(w); f.weakPassword = w }
            if let n = body.sensitiveRecords {
                guard n >= 0 else { throw PatrolError.invalid("error.finding.negative", ["field": "sensitiveRecords"]) }
                if n != f.sensitiveRecords { details["sensitiveRecords"] = String(n) }
                f.sensitiveRecords = n
            }
            f.verifiedAt = now
            f.reviewNote = note
        case .requestInfo, .reject:
            guard let note else { throw PatrolError.invalid("error.finding.noteRequired") }
            f.reviewNote = note
        case .markDuplicate:
            guard let code = body.duplicateOf?.nonEmpty,
                  let original = try await Finding.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                    .filter(\.$code == code).first(), original.id != f.id,
                  ![.rejected, .duplicate].contains(original.status) else {
                throw PatrolError.invalid("error.finding.duplicateOf", ["code": body.duplicateOf ?? ""])
            }
            f.$duplicateOf.id = try original.requireID()
            f.reviewNote = note
            details["duplicateOf"] = code
        default: break
        }
        let auditDetails = details
        try await req.db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: from, to: next, now: now, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            f.status = next
            try await f.save(on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "finding.review", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: auditDetails)
        }
    }

    // MARK: - Notices

    struct NoticeBody: Content {
        var unit: String?
        var findings: [String]?
    }

    func issueNotice(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let body = try req.content.decode(NoticeBody.self)
        let (notice, unitCode, codes) = try await Self.issue(body, req, campaign)
        let response = try await NoticeDTO(code: notice.code, unit: unitCode, issuedAt: notice.issuedAt, findings: codes).encodeResponse(for: req)
        response.status = .created
        return response
    }

    /// Issues a notice of verified findings to one unit, with an SMS per liaison phone, in one transaction.
    static func issue(_ body: NoticeBody, _ req: Request, _ campaign: Campaign) async throws -> (Notice, String, [String]) {
        guard let unitCode = body.unit?.nonEmpty,
              let unit = try await PatrolStore.Unit.query(on: req.db).filter(\.$code == unitCode).with(\.$liaisons).first(),
              try await CampaignUnit.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$unit.$id == unit.requireID()).first() != nil else {
            throw PatrolError.invalid("error.unit.unknown", ["code": body.unit ?? ""])
        }
        let codes = Array(Set(body.findings ?? [])).sorted()
        guard !codes.isEmpty else { throw PatrolError.invalid("error.notice.empty") }
        let findings = try await Finding.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$code ~~ codes).all()
        for code in codes {
            guard let f = findings.first(where: { $0.code == code }) else { throw PatrolError.invalid("error.notice.unknownFinding", ["code": code]) }
            guard f.$unit.id == unit.id else { throw PatrolError.invalid("error.notice.otherUnit", ["code": code, "unit": unitCode]) }
            guard f.status == .verified else {
                throw PatrolError.conflict("error.notice.notVerified", ["code": code, "status": req.t("finding.status.\(f.status.rawValue)")])
            }
        }
        let now = Date()
        let policy = campaign.scoringPolicy
        let firstMark = policy.remediationBrackets.first?.withinHours ?? 24
        let deadline = req.timeText(now.addingTimeInterval(TimeInterval(firstMark * 3600)), in: campaign)
        let notice: Notice = try await req.db.transaction { db in
            let seq = (try await Notice.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$unit.$id == unit.requireID()).max(\.$seq) ?? 0) + 1
            let code = "\(campaign.code)-\(unit.code)-\(String(format: "%03d", seq))"
            let notice = Notice(campaignID: try campaign.requireID(), unitID: try unit.requireID(), code: code, seq: seq,
                                issuedAt: now, issuedByID: try req.requireActor().userID)
            try await notice.create(on: db)
            for f in findings {
                guard try await FindingTransitions.move(f.requireID(), from: .verified, to: .notified, now: now, on: db) else {
                    throw PatrolError.conflict("error.finding.concurrent")
                }
                f.status = .notified
                f.notifiedAt = now
                f.$notice.id = try notice.requireID()
                try await f.save(on: db)
            }
            // One SMS per liaison phone, in the same transaction as the notice (SPEC §4).
            let params = ["unit": unit.name, "notice": code, "count": String(findings.count), "deadline": deadline]
            for phone in Set(unit.liaisons.map(\.phone)).sorted() {
                let text = "【网络安全检查】\(unit.name)：您单位有\(findings.count)个网络安全问题已通报（\(code)），"
                    + "请于\(deadline)前完成整改，并登录平台提交整改报告。"
                try await SMSMessage(campaignID: try campaign.requireID(), event: "notice", dedupeKey: "notice:\(code):\(phone)",
                                     phone: phone, template: "notice", params: params, body: text, now: now).create(on: db)
            }
            try await AuditLog.append(on: db, req.auditContext, action: "notice.issue", objectType: "notice", objectID: code,
                                      details: ["unit": unit.code, "findings": codes.joined(separator: ","),
                                                "sms": String(Set(unit.liaisons.map(\.phone)).count)])
            return notice
        }
        return (notice, unit.code, codes)
    }

    func notices(req: Request) async throws -> [NoticeDTO] {
        let campaign = try await req.campaign()
        var query = Notice.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID())).with(\.$unit).with(\.$findings)
        if case .some(let only) = AccessPolicy.visibleUnit(for: try req.requireActor()) {
            query = query.filter(\.$unit.$id == (only ?? UUID()))
        }
        return try await query.sort(\.$issuedAt).all().map {
            NoticeDTO(code: $0.code, unit: $0.unit.code, issuedAt: $0.issuedAt, findings: $0.findings.map(\.code).sorted())
        }
    }

    // MARK: - Remediation and retest

    struct RemediationBody: Content {
        var summary: String?
        var shellsRemoved: Bool?
    }

    /// A remediation report as multipart: the same fields plus files (`files[]` or `file`).
    struct RemediationUpload: Content {
        var summary: String?
        var shellsRemoved: String?
        var file: File?
        var files: [File]?
    }

    func remediate(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        if req.headers.contentType?.type == "multipart" {
            let upload = try req.content.decode(RemediationUpload.self)
            try req.authorize(.submitRemediation(unitID: f.$unit.id))
            let files = try EvidenceController.check((upload.files ?? []) + (upload.file.map { [$0] } ?? []), req)
            let removed = ["true", "1", "on", "yes"].contains(upload.shellsRemoved?.lowercased() ?? "")
            try await Self.remediate(f, .init(summary: upload.summary, shellsRemoved: removed), req, campaign, attachments: files)
        } else {
            try await Self.remediate(f, try req.content.decode(RemediationBody.self), req, campaign)
        }
        let response = try await Self.dto(req, f).encodeResponse(for: req)
        response.status = .created
        return response
    }

    static func remediate(_ f: Finding, _ body: RemediationBody, _ req: Request, _ campaign: Campaign,
                          attachments: [EvidenceController.Checked] = []) async throws {
        try req.authorize(.submitRemediation(unitID: f.$unit.id))
        guard let summary = body.summary?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty else {
            throw PatrolError.invalid("error.finding.missing", ["field": "summary"])
        }
        guard summary.count <= 20_000 else { throw PatrolError.invalid("error.finding.tooLong", ["field": "summary", "n": "20000"]) }
        if !f.shellPaths.isEmpty, body.shellsRemoved != true {
            throw PatrolError.invalid("error.remediation.shells", ["paths": f.shellPaths.joined(separator: ", ")])
        }
        let next: FindingStatus
        do { next = try FindingWorkflow.next(f.status, .submitReport) } catch {
            throw PatrolError.conflict("error.finding.transition", ["status": req.t("finding.status.\(f.status.rawValue)")])
        }
        let now = Date()
        try await req.db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: f.status, to: next, now: now, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            let report = RemediationReport(findingID: try f.requireID(), submittedAt: now, description: summary,
                                           shellsDeleted: f.shellPaths, submittedByID: try req.requireActor().userID)
            try await report.create(on: db)
            _ = try await EvidenceController.record(attachments, finding: f, reportID: try report.requireID(), campaign: campaign, on: db, req)
            f.status = next
            try await AuditLog.append(on: db, req.auditContext, action: "finding.remediation", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["shellsDeleted": String(f.shellPaths.count)])
        }
    }

    struct RetestBody: Content {
        var result: String?
        var note: String?
    }

    func retest(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        try await Self.retest(f, try req.content.decode(RetestBody.self), req, campaign)
        let response = try await Self.dto(req, f).encodeResponse(for: req)
        response.status = .created
        return response
    }

    static func retest(_ f: Finding, _ body: RetestBody, _ req: Request, _ campaign: Campaign) async throws {
        try req.authorize(.reviewFindings)
        guard let result = body.result.flatMap(RetestResult.init(rawValue:)) else {
            throw PatrolError.invalid("error.retest.result", ["result": body.result ?? ""])
        }
        let note = body.note?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        if result == .failed, note == nil { throw PatrolError.invalid("error.finding.noteRequired") }
        let next: FindingStatus
        do { next = try FindingWorkflow.next(f.status, result == .passed ? .retestPassed : .retestFailed) } catch {
            throw PatrolError.conflict("error.finding.transition", ["status": req.t("finding.status.\(f.status.rawValue)")])
        }
        guard let report = try await RemediationReport.query(on: req.db).filter(\.$finding.$id == f.requireID())
            .with(\.$retests).sort(\.$submittedAt, .descending).first(), report.retests.isEmpty else {
            throw PatrolError.conflict("error.retest.noReport")
        }
        let now = Date()
        try await req.db.transaction { db in
            guard try await FindingTransitions.move(f.requireID(), from: f.status, to: next, now: now, on: db) else {
                throw PatrolError.conflict("error.finding.concurrent")
            }
            try await Retest(reportID: report.requireID(), result: result, reason: note, decidedAt: now,
                             decidedByID: try req.requireActor().userID).create(on: db)
            f.status = next
            if result == .passed { f.closedAt = now }
            try await f.save(on: db)
            if result == .failed {
                // 退回: the unit is told by SMS, once per phone and report.
                let unit = try await PatrolStore.Unit.query(on: db).filter(\.$id == f.$unit.id).with(\.$liaisons).first()!
                let noticeCode = f.notice?.code ?? ""
                for phone in Set(unit.liaisons.map(\.phone)).sorted() {
                    let text = "【网络安全检查】\(unit.name)：问题\(f.code)（通报\(noticeCode)）的整改复测未通过，已退回，"
                        + "请登录平台查看复测意见并重新整改。"
                    try await SMSMessage(campaignID: try campaign.requireID(), event: "returned",
                                         dedupeKey: "returned:\(try report.requireID()):\(phone)", phone: phone, template: "returned",
                                         params: ["unit": unit.name, "notice": noticeCode, "finding": f.code], body: text, now: now).create(on: db)
                }
            }
            try await AuditLog.append(on: db, req.auditContext, action: "finding.retest", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["result": result.rawValue, "to": next.rawValue])
        }
    }

    /// Advice for the reviewer: is each uploaded shell gone? (Not a decision.)
    func shellCheck(req: Request) async throws -> [ShellCheck.Result] {
        let campaign = try await req.campaign()
        return await ShellCheck.run(req, finding: try await Self.finding(req, campaign))
    }

    // MARK: - SMS outbox

    func sms(req: Request) async throws -> [SMSDTO] {
        try await SMSMessage.query(on: req.db).sort(\.$createdAt, .descending).limit(500).all().map {
            SMSDTO(id: $0.id, event: $0.event, phone: $0.phone, text: $0.body, status: $0.status.rawValue, attempts: $0.attempts,
                   createdAt: $0.createdAt, sentAt: $0.sentAt, lastError: $0.lastError)
        }
    }
}

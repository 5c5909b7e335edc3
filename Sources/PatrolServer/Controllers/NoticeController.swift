import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// Notices (通报) in the browser: the admin issues verified findings of a unit as one numbered
/// notice; a liaison's inbox shows their unit's notices with the time left on each finding; every
/// notice has a printable A4 page in official style. The API issues and lists the same notices.
struct NoticeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.POST, .api(.campaign(.key, .notices)), access: .policy(.issueNotice), use: apiIssue)
        routes.endpoint(.GET, .api(.campaign(.key, .notices)), access: .policy(.listNotices), use: apiList)
        routes.endpoint(.GET, .campaign(.key, .notices), access: .policy(.listNotices), use: list)
        routes.endpoint(.POST, .campaign(.key, .notices), access: .policy(.issueNotice), use: issue)
        routes.endpoint(.GET, .campaign(.key, .notice(.key)), access: .policy(.listNotices), use: show)
        routes.endpoint(.POST, .campaign(.key, .noticeReceipt(.key)), access: .policy(.listNotices), use: sign)
        routes.endpoint(.POST, .api(.campaign(.key, .noticeReceipt(.key))), access: .policy(.listNotices), use: apiSign)
    }

    struct ListView: Encodable {
        struct Item: Encodable {
            var code, href, title, statusName, status: String
            var next: String?
            var overdue: Bool
        }
        struct NoticeRow: Encodable {
            var code, href, unitCode, unitName, issuedAt: String
            /// "Signed by … at …", or "not signed" (late past `noticeSignHours`).
            var receipt: String
            var signed: Bool
            var unsignedLate: Bool
            var items: [Item]
        }
        struct Candidate: Encodable { var code, title, severityName, verifiedAt: String }
        struct Pending: Encodable { var unitCode, unitName: String; var liaisons: Int; var findings: [Candidate] }
        var notices: [NoticeRow]
        var pager: Pager
        var q: String
        var sorts: [SelectOption]
        var receipts: [SelectOption]
        var pending: [Pending]
        /// Units with verified findings, a page of them at a time (`pendingPage`).
        var pendingPager: Pager
        var pendingFindings: Int
        var canIssue: Bool
        var issueAction: String
        var error: String?
    }

    struct Filter: Decodable {
        /// Words to find in the notice's number or its unit's code or name.
        var q: String?
        var sort: String?
        var page: Int?
        /// The page of units waiting for a notice.
        var pendingPage: Int?
        /// `unsigned`: only notices not yet signed for; `late`: those past the signing time.
        var receipt: String?
    }

    /// The orders the issued notices offer; the first is the default.
    enum Order: String, CaseIterable {
        case newest, oldest, unit
    }

    /// Notices are cards holding their findings: fewer to a page than a table's rows.
    static let noticesPerPage = 20
    /// Units waiting for a notice, each with every verified finding as a checkbox.
    static let pendingUnitsPerPage = 10

    func listView(_ req: Request, _ campaign: Campaign, error: String? = nil) async throws -> ListView {
        let actor = try req.requireActor()
        let campaignID = try campaign.requireID()
        let filter = try req.query.decode(Filter.self)
        let query = Notice.query(on: req.db).filter(\.$campaign.$id == campaignID).with(\.$unit).with(\.$findings)
            .join(PatrolStore.Unit.self, on: \Notice.$unit.$id == \PatrolStore.Unit.$id)
        if case .some(let only) = AccessPolicy.visibleUnit(for: actor) { query.filter(\.$unit.$id == (only ?? UUID())) }
        for word in (filter.q ?? "").split(whereSeparator: \.isWhitespace).map(String.init).prefix(5) {
            query.group(.or) {
                $0.filter(\.$code ~~ word.uppercased()).filter(PatrolStore.Unit.self, \.$code ~~ word.uppercased())
                    .filter(PatrolStore.Unit.self, \.$name ~~ word)
            }
        }
        let signBy = Date().addingTimeInterval(-req.application.patrolOptions.noticeSignHours * 3600)
        switch filter.receipt {
        case "unsigned": query.filter(\.$signedAt == nil)
        case "late": query.filter(\.$signedAt == nil).filter(\.$issuedAt < signBy)
        default: break
        }
        let order = filter.sort.flatMap(Order.init(rawValue:)) ?? .newest
        let pager = Pager(req, total: try await query.copy().count(), asked: filter.page, url: campaign.url(.notices),
                          query: [("q", filter.q), ("receipt", filter.receipt), ("sort", order == .newest ? nil : order.rawValue)],
                          size: Self.noticesPerPage)
        switch order {
        case .newest: query.sort(\.$issuedAt, .descending).sort(\.$code, .descending)
        case .oldest: query.sort(\.$issuedAt).sort(\.$code)
        case .unit: query.sort(PatrolStore.Unit.self, \.$code).sort(\.$seq)
        }
        let notices = try await query.offset(pager.offset).limit(pager.size).all()
        let now = EpochMillis(Date())
        let policy = campaign.scoringPolicy
        let rows = notices.map { n in
            ListView.NoticeRow(code: n.code, href: campaign.url(.notice(.value(n.code))).path, unitCode: n.unit.code, unitName: n.unit.name, issuedAt: req.timeText(n.issuedAt, in: campaign),
                               receipt: Self.receiptText(req, n, campaign), signed: n.signedAt != nil,
                               unsignedLate: n.signedAt == nil && n.issuedAt < signBy,
                               items: n.findings.sorted { $0.code < $1.code }.map { f in
                var next: String?
                var overdue = false
                if f.status == .remediated {
                    // Reported: the unit waits for the retest, no clock runs against it here.
                    next = req.t("notices.awaitingRetest")
                } else if let at = f.notifiedAt, f.status == .notified {
                    let clock = RemediationClock(notifiedAt: EpochMillis(at), policy: policy, now: now)
                    if let m = clock.nextMark {
                        next = req.t("notices.nextMark", ["hours": String(m.hours),
                                                         "left": req.ageText(TimeInterval(m.remaining) / 1000)])
                    } else {
                        overdue = true
                        next = req.t("notices.overdue", ["hours": String(policy.unfixedAfterHours)])
                    }
                }
                return ListView.Item(code: f.code, href: campaign.url(.finding(.value(f.code), .page)).path, title: f.title, statusName: req.t("finding.status.\(f.status.rawValue)"),
                                     status: f.status.rawValue, next: next, overdue: overdue)
            })
        }
        let canIssue = AccessPolicy.decide(actor, .issueNotice) == .allow
        // Counted and paged by unit in the database: at province scale thousands of findings can
        // wait for a notice at once, and the page shows ten units of them.
        let waiting = canIssue ? try await Finding.pendingNotice(in: campaignID, on: req.db) : (findings: 0, units: 0)
        let pendingPager = Pager(req, total: waiting.units, asked: filter.pendingPage, url: campaign.url(.notices),
                                 query: [("q", filter.q), ("sort", order == .newest ? nil : order.rawValue), ("page", filter.page.map(String.init))],
                                 size: Self.pendingUnitsPerPage, parameter: "pendingPage", rangeKey: "notices.pendingRange")
        var pending: [ListView.Pending] = []
        if canIssue {
            let codes = try await Finding.unitsPendingNotice(in: campaignID, offset: pendingPager.offset, limit: pendingPager.size, on: req.db)
            let verified = codes.isEmpty ? [] : try await Finding.query(on: req.db).filter(\.$campaign.$id == campaignID).filter(\.$status == .verified)
                .join(PatrolStore.Unit.self, on: \Finding.$unit.$id == \PatrolStore.Unit.$id).filter(PatrolStore.Unit.self, \.$code ~~ codes)
                .with(\.$unit) { $0.with(\.$liaisons) }.sort(\.$code).all()
            let byUnit = Dictionary(grouping: verified, by: { $0.unit.code })
            pending = codes.compactMap { code in
                guard let fs = byUnit[code] else { return nil }
                return .init(unitCode: code, unitName: fs[0].unit.name, liaisons: Set(fs[0].unit.liaisons.map(\.phone)).count,
                             findings: fs.map { .init(code: $0.code, title: $0.title,
                                                      severityName: $0.severity.map { req.t("finding.severity.\($0.rawValue)") } ?? req.t("finding.kind.\($0.kind.rawValue)"),
                                                      verifiedAt: req.timeText($0.verifiedAt, in: campaign)) })
            }
        }
        let receipts = [("", "notices.receipt.all"), ("unsigned", "notices.receipt.unsigned"), ("late", "notices.receipt.late")].map {
            SelectOption(value: $0.0, label: req.t($0.1, ["hours": Self.hoursText(req.application.patrolOptions.noticeSignHours)]),
                         selected: $0.0 == (filter.receipt ?? ""))
        }
        let sorts = Order.allCases.map { SelectOption(value: $0.rawValue, label: req.t("notices.sort.\($0.rawValue)"), selected: $0 == order) }
        return ListView(notices: rows, pager: pager, q: filter.q ?? "", sorts: sorts, receipts: receipts, pending: pending, pendingPager: pendingPager, pendingFindings: waiting.findings, canIssue: canIssue, issueAction: campaign.url(.notices).path, error: error)
    }

    func list(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        return try await req.page("notices", title: req.t("notices.title"), campaign: campaign, content: try await listView(req, campaign))
    }

    struct IssueForm: Content {
        var unit: String?
        var finding: [String]?
    }

    func issue(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(IssueForm.self)
        do {
            let (notice, _, _) = try await req.lifecycle().issueNotice(.init(unit: form.unit, findings: form.finding ?? []), in: campaign)
            return req.seeOther(campaign.url(.notice(.value(notice.code))).path)
        } catch let error as PatrolError where [.unprocessableEntity, .conflict].contains(error.status) {
            let view = try await req.page("notices", title: req.t("notices.title"), campaign: campaign,
                                          content: try await listView(req, campaign, error: req.t(error)))
            let res = try await view.encodeResponse(for: req)
            res.status = error.status
            return res
        }
    }

    func apiIssue(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let (notice, unitCode, codes) = try await req.lifecycle().issueNotice(try req.content.decode(NoticeDraft.self), in: campaign)
        let response = try await NoticeDTO(code: notice.code, unit: unitCode, issuedAt: notice.issuedAt, findings: codes).encodeResponse(for: req)
        response.status = .created
        return response
    }

    /// A page of the notices the actor may see, in the order they were issued (keyset).
    func apiList(req: Request) async throws -> APIPage<NoticeDTO> {
        let campaign = try await req.campaign()
        let query = Notice.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID())).with(\.$unit)
        if case .some(let only) = AccessPolicy.visibleUnit(for: try req.requireActor()) { query.filter(\.$unit.$id == (only ?? UUID())) }
        let (notices, next, total) = try await query.apiPage(try req.query.decode(PageRequest.self), by: \.$issuedAt)
        let codes = try await Finding.codesByNotice(notices.compactMap(\.id), on: req.db)
        return APIPage(items: notices.map { NoticeDTO($0, findings: $0.id.flatMap { codes[$0] } ?? []) }, nextCursor: next, total: total)
    }

    struct NoticeView: Encodable {
        struct Item: Encodable {
            var index: Int
            var code, title, asset, severityName, kindName: String
            var description: String?
            var url: String?
            var shellPaths: [String]
        }
        struct Deadline: Encodable { var hours: Int; var at: String }
        var code, campaignName, unitName, unitCode, issuedDate, issuedAt: String
        var items: [Item]
        var deadlines: [Deadline]
        var platform: String
        var noticesHref: String
        var hasShells: Bool
        var receipt: String
        var signed: Bool
        /// The liaison's sign button posts here; nil for everyone else or once signed.
        var signAction: String?
    }

    func show(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let notice = try await visibleNotice(req, campaign)
        let findings = try await notice.$findings.query(on: req.db).with(\.$asset).sort(\.$code).all()
        let f = DateFormatter()
        f.timeZone = campaign.zone
        f.locale = Locale(identifier: "zh_CN")
        f.dateFormat = "yyyy年M月d日"
        let issued = EpochMillis(notice.issuedAt)
        let clock = RemediationClock(notifiedAt: issued, policy: campaign.scoringPolicy, now: issued)
        let items = findings.enumerated().map { i, x in
            NoticeView.Item(index: i + 1, code: x.code, title: x.title, asset: x.asset.map { "\($0.target)" } ?? "—",
                            severityName: x.severity.map { req.t("finding.severity.\($0.rawValue)") } ?? "—",
                            kindName: req.t("finding.kind.\(x.kind.rawValue)"), description: x.description, url: x.url,
                            shellPaths: x.shellPaths)
        }
        let host = req.headers.first(name: .host) ?? "127.0.0.1:8080"
        let actor = try req.requireActor()
        let canSign = notice.signedAt == nil && AccessPolicy.decide(actor, .signNotice(unitID: notice.$unit.id)) == .allow
        let view = NoticeView(
            code: notice.code, campaignName: campaign.name, unitName: notice.unit.name, unitCode: notice.unit.code,
            issuedDate: f.string(from: notice.issuedAt), issuedAt: req.timeText(notice.issuedAt, in: campaign), items: items,
            deadlines: clock.marks.map { .init(hours: $0.hours, at: req.timeText(Date(epochMillis: $0.at), in: campaign)) },
            platform: (req.application.patrolOptions.publicURL
                ?? "\(req.application.http.server.configuration.tlsConfiguration == nil ? "http" : "https")://\(host)") + campaign.url(.notices).path,
            noticesHref: campaign.url(.notices).path,
            hasShells: items.contains { !$0.shellPaths.isEmpty },
            receipt: Self.receiptText(req, notice, campaign), signed: notice.signedAt != nil,
            signAction: canSign ? campaign.url(.noticeReceipt(.value(notice.code))).path : nil)
        return try await req.page("notice", title: "\(req.t("notice.heading")) \(notice.code)", campaign: campaign, content: view)
    }

    // MARK: - Receipt (签收)

    /// The notice named by `:notice` in the campaign, once the reader may see its unit (a liaison
    /// reads only their own unit's notices: the same rule as a unit's page).
    func visibleNotice(_ req: Request, _ campaign: Campaign) async throws -> Notice {
        guard let code = req.parameters.get("notice"),
              let notice = try await Notice.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID()))
                .filter(\.$code == code).with(\.$unit).first() else { throw PatrolError.notFound }
        try req.authorize(.viewUnit(unitID: notice.$unit.id))
        return notice
    }

    /// Signs for the notice as the unit's liaison; signing twice is no error, it was signed.
    func signNotice(_ req: Request, _ campaign: Campaign) async throws -> Notice {
        let notice = try await visibleNotice(req, campaign)
        try req.authorize(.signNotice(unitID: notice.$unit.id))
        let user = try req.requireUser()
        try await NoticeReceipt.sign(notice, by: try user.requireID(), name: user.displayName.isEmpty ? user.username : user.displayName,
                                     context: req.auditContext, on: req.db)
        return notice
    }

    func sign(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let notice = try await signNotice(req, campaign)
        return req.seeOther(campaign.url(.notice(.value(notice.code))).path)
    }

    func apiSign(req: Request) async throws -> NoticeDTO {
        let campaign = try await req.campaign()
        let notice = try await signNotice(req, campaign)
        let id = try notice.requireID()
        return NoticeDTO(notice, findings: try await Finding.codesByNotice([id], on: req.db)[id] ?? [])
    }

    /// "已签收：张三，12月4日 10:00" or "未签收".
    static func receiptText(_ req: Request, _ notice: Notice, _ campaign: Campaign) -> String {
        guard let at = notice.signedAt else { return req.t("notice.receipt.unsigned") }
        return req.t("notice.receipt.signed", ["name": notice.signedByName ?? "", "at": req.timeText(at, in: campaign)])
    }

    static func hoursText(_ hours: Double) -> String {
        hours == hours.rounded() ? String(Int(hours)) : String(format: "%.1f", hours)
    }
}

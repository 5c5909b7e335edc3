import Foundation
import PatrolCore
import PatrolSheet
import PatrolStore
import Vapor

/// The imports in the API: the list as the request body (the .xlsx or CSV file as it is), planned
/// and, unless `?dryRun=true`, written; a 422 carries every problem and writes nothing.
extension ImportController {
    struct APIAnswer: Content {
        struct Item: Content {
            var rows: [Int]; var code, name, category, group, action: String
            var parent: String?; var liaisons: [UnitDTO.LiaisonDTO]?; var changes: [String]
        }
        struct Problem: Content { var row: Int; var column: String?; var value, code, message: String }
        var applied: Bool
        var counts: [String: Int]
        var problems: [Problem]
        var units: [Item]
    }

    /// What every import call starts from: the campaign, the body read as a table (`?filename=`
    /// names it, for the message when it is a workbook that is not one), and `?dryRun`.
    func uploadedList(_ req: Request) async throws -> (campaign: Campaign, table: SheetTable, dryRun: Bool) {
        let campaign = try await req.campaign()
        guard let body = req.body.data, body.readableBytes > 0 else { throw PatrolError.invalid("error.import.noFile") }
        let table = try await table(req, Data(buffer: body), filename: try? req.query.get(String.self, at: "filename"))
        return (campaign, table, (try? req.query.get(Bool.self, at: "dryRun")) ?? false)
    }

    /// The problems as the API gives them: where, what, and the message in the reader's language.
    static func problems(_ problems: [ImportProblem], _ req: Request) -> [APIAnswer.Problem] {
        problems.map { .init(row: $0.row, column: $0.column, value: $0.value,
                             code: $0.key.replacingOccurrences(of: "error.import.", with: ""), message: req.t($0.key, $0.values)) }
    }

    /// 422 when a write was asked for and refused over problems, else `status`.
    static func respond(_ answer: some Content, problems: Bool, dryRun: Bool, status: HTTPStatus = .ok) throws -> Response {
        let response = Response(status: problems && !dryRun ? .unprocessableEntity : status)
        try response.content.encode(answer)
        return response
    }

    /// The list as the request body (xlsx or CSV); `?dryRun=true` plans without writing.
    func apiImport(req: Request) async throws -> Response {
        let (campaign, table, dryRun) = try await uploadedList(req)
        let plan = try await importer(req).plan(table, campaign: campaign)
        var applied = false
        if !dryRun, plan.problems.isEmpty {
            _ = try await importer(req).apply(plan, campaign: campaign)
            applied = true
        }
        let answer = APIAnswer(
            applied: applied,
            counts: Dictionary(uniqueKeysWithValues: UnitImportPlan.Action.allCases.map { ($0.rawValue, plan.count($0)) }),
            problems: Self.problems(plan.problems, req),
            units: plan.items.map { .init(rows: $0.rows, code: $0.code, name: $0.name, category: $0.category, group: $0.group.rawValue,
                                          action: $0.action.rawValue, parent: $0.parentCode,
                                          liaisons: $0.liaisons?.map { .init(name: $0.name, phone: $0.phone) }, changes: $0.changes) })
        return try Self.respond(answer, problems: !plan.problems.isEmpty, dryRun: dryRun)
    }

    struct AssetAnswer: Content {
        struct Item: Content {
            var row: Int; var unit, kind, target, action: String
            var ports: String?; var note: String?; var code: String?; var changes: [String]
        }
        var applied: Bool
        var review: String
        var counts: [String: Int]
        var problems: [APIAnswer.Problem]
        var assets: [Item]
    }

    /// An assets list; `?pendingReview=true` files new assets for review instead of approving them.
    func apiImportAssets(req: Request) async throws -> Response {
        let (campaign, table, dryRun) = try await uploadedList(req)
        let pendingReview = (try? req.query.get(Bool.self, at: "pendingReview")) ?? false
        let plan = try await assetImporter(req).plan(table, campaign: campaign)
        var applied = false
        if !dryRun, plan.problems.isEmpty {
            _ = try await assetImporter(req).apply(plan, campaign: campaign, pendingReview: pendingReview)
            applied = true
        }
        let answer = AssetAnswer(
            applied: applied, review: pendingReview ? AssetReview.pending.rawValue : AssetReview.approved.rawValue,
            counts: Dictionary(uniqueKeysWithValues: AssetImportPlan.Action.allCases.map { ($0.rawValue, plan.count($0)) }),
            problems: Self.problems(plan.problems, req),
            assets: plan.items.map { .init(row: $0.row, unit: $0.unitCode, kind: $0.kind.rawValue, target: $0.target, action: $0.action.rawValue,
                                           ports: $0.ports, note: $0.note, code: $0.existingCode, changes: $0.changes) })
        return try Self.respond(answer, problems: !plan.problems.isEmpty, dryRun: dryRun)
    }

    struct TeamAnswer: Content {
        struct Member: Content { var row: Int; var name: String; var username: String?; var exists: Bool }
        struct Item: Content { var rows: [Int]; var code, name, action: String; var members: [Member] }
        /// The testers made, with their initial passwords: in this answer only.
        struct Created: Content { var team, name, username, password: String }
        var applied: Bool
        var counts: [String: Int]
        var problems: [APIAnswer.Problem]
        var teams: [Item]
        var created: [Created]
    }

    /// A teams list with members; the answer carries each new tester's initial password once.
    func apiImportTeams(req: Request) async throws -> Response {
        let (campaign, table, dryRun) = try await uploadedList(req)
        let plan = try await teamImporter(req).plan(table, campaign: campaign)
        var created: [TeamAnswer.Created] = []
        var applied = false
        if !dryRun, plan.problems.isEmpty {
            created = try await teamImporter(req).apply(plan, campaign: campaign).members.map {
                .init(team: $0.team, name: $0.member.user.displayName, username: $0.member.user.username, password: $0.member.password)
            }
            applied = true
        }
        let answer = TeamAnswer(
            applied: applied,
            counts: Dictionary(uniqueKeysWithValues: TeamImportPlan.Action.allCases.map { ($0.rawValue, plan.count($0)) }
                + [("newMembers", plan.newMembers)]),
            problems: Self.problems(plan.problems, req),
            teams: plan.items.map { .init(rows: $0.rows, code: $0.code, name: $0.name, action: $0.action.rawValue,
                                          members: $0.members.map { .init(row: $0.row, name: $0.name, username: $0.username, exists: $0.exists) }) },
            created: created)
        let response = try Self.respond(answer, problems: !plan.problems.isEmpty, dryRun: dryRun, status: applied ? .created : .ok)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}

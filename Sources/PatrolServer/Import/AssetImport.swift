import Fluent
import Foundation
import PatrolCore
import PatrolSheet
import PatrolStore

/// Imports an assets list into a campaign (issue 19): each row names a unit of the campaign (by
/// code or name) and a target, checked as `AssetRegister` checks one asset. The organiser's list
/// is approved as it is, unless they ask for it to be reviewed (`pendingReview`), as when the
/// lists were collected from the units. A target already filed for the same unit is corrected, for
/// another unit refused; importing the same file again changes nothing.
struct AssetImport {
    let db: any Database
    let actor: Actor
    let audit: AuditContext

    func plan(_ table: SheetTable, campaign: Campaign) async throws -> AssetImportPlan {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        let reading: (header: HeaderMatch<AssetSheet.Column>, rows: [AssetSheet.Row])
        do { reading = try AssetSheet.read(table) } catch { throw PatrolError.sheet(error) }
        let header = reading.header
        if header.columns[.unitCode] == nil, header.columns[.unitName] == nil {
            throw PatrolError.invalid("error.import.missingColumn", keys: ["column": "import.asset.column.unitName"])
        }
        let campaignID = try campaign.requireID()
        let units = try await campaign.$units.query(on: db).all()
        let byCode = Dictionary(units.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let byName = Dictionary(units.map { (UnitImportPlanner.normalized($0.name), $0) }, uniquingKeysWith: { a, _ in a })
        let existing = try await Asset.query(on: db).filter(\.$campaign.$id == campaignID).all()
        let byTarget = Dictionary(existing.map { ($0.target.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })

        var problems: [ImportProblem] = [], items: [AssetImportPlan.Item] = []
        func problem(_ row: Int, _ column: AssetSheet.Column, _ value: String, _ key: String, _ values: [String: String] = [:]) {
            problems.append(ImportProblem(row: row, column: header.columns[column]?.description, header: "import.asset.column.\(column)",
                                          value: value, key: key, values: values))
        }
        var seen: [String: Int] = [:]
        for row in reading.rows {
            let n = row.number
            let code = row[.unitCode], name = row[.unitName]
            let unit = code.isEmpty ? byName[UnitImportPlanner.normalized(name)] : byCode[code]
            guard let unit, let unitID = unit.id else {
                if code.isEmpty && name.isEmpty { problem(n, .unitName, "", "error.import.assetUnitMissing") }
                else { problem(n, code.isEmpty ? .unitName : .unitCode, code.isEmpty ? name : code, "error.import.assetUnit",
                               ["unit": code.isEmpty ? name : code]) }
                continue
            }
            let target = row[.target]
            guard let kind = AssetSheet.kind(row[.kind], target: target) else {
                problem(n, .kind, row[.kind], "error.import.assetKind", ["kind": row[.kind]]); continue
            }
            let ports = row[.ports].isEmpty ? nil : row[.ports].replacingOccurrences(of: "，", with: ",")
            if let bad = AssetTarget.check(kind: kind, target: target, ports: ports) {
                problem(n, bad == .badPorts ? .ports : .target, bad == .badPorts ? (ports ?? "") : target,
                        "error.asset.\(bad.rawValue)", ["target": target])
                continue
            }
            let key = target.lowercased()
            if let first = seen[key] { problem(n, .target, target, "error.import.assetDuplicate", ["first": "\(first)"]); continue }
            seen[key] = n
            let note = row[.note].isEmpty ? nil : row[.note]
            var action = AssetImportPlan.Action.create, changes: [String] = []
            let known = byTarget[key]
            if let known {
                guard known.$unit.id == unitID else {
                    problem(n, .target, target, "error.asset.duplicate", ["target": target, "code": known.code])
                    continue
                }
                if known.kind != kind { changes.append("kind") }
                if known.ports != ports { changes.append("ports") }
                if note != nil, known.note != note { changes.append("note") }
                action = changes.isEmpty ? .unchanged : .update
            }
            items.append(.init(row: n, unitCode: unit.code, unitName: unit.name, unitID: unitID, kind: kind, target: known?.target ?? target,
                               ports: ports, note: note ?? known?.note, action: action, changes: changes,
                               existingID: known?.id, existingCode: known?.code))
        }
        return AssetImportPlan(source: table.source, headerRow: header.rowNumber,
                               ignoredColumns: header.unknownColumns.map(\.value).filter { !$0.isEmpty }, items: items,
                               problems: problems.sorted { ($0.row, $0.column ?? "") < ($1.row, $1.column ?? "") })
    }

    struct Summary: Sendable { var created = 0, updated = 0, unchanged = 0 }

    /// Writes `plan`, all of it or nothing; new assets are approved, or pending when `pendingReview`.
    func apply(_ plan: AssetImportPlan, campaign: Campaign, pendingReview: Bool, now: Date = Date()) async throws -> Summary {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        guard plan.problems.isEmpty else { throw PatrolError.invalid("error.import.hasProblems", ["n": "\(plan.problems.count)"]) }
        let campaignID = try campaign.requireID()
        let (audit, actor) = (self.audit, self.actor)
        return try await db.transaction { db in
            var summary = Summary()
            var nextNumber: [UUID: Int] = [:]
            for item in plan.items {
                switch item.action {
                case .unchanged:
                    summary.unchanged += 1
                case .update:
                    guard let id = item.existingID, let asset = try await Asset.find(id, on: db) else {
                        throw PatrolError.conflict("error.import.changed")
                    }
                    asset.kind = item.kind; asset.ports = item.ports; asset.note = item.note
                    if item.changes.contains("kind") || item.changes.contains("ports") {
                        asset.review = pendingReview ? .pending : .approved
                        asset.reviewReason = nil
                        asset.reviewedBy = pendingReview ? nil : actor.username
                        asset.reviewedAt = pendingReview ? nil : now
                    }
                    try await asset.save(on: db)
                    try await AuditLog.append(on: db, audit, action: "asset.update", objectType: "asset", objectID: "\(campaign.code)/\(asset.code)",
                                              details: ["changes": item.changes.joined(separator: ","), "source": "import"])
                    summary.updated += 1
                case .create:
                    if nextNumber[item.unitID] == nil {
                        let codes = try await Asset.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == item.unitID).all(\.$code)
                        nextNumber[item.unitID] = (codes.compactMap { Int($0.split(separator: "-").last ?? "") }.max() ?? 0) + 1
                    }
                    let number = nextNumber[item.unitID]!
                    nextNumber[item.unitID] = number + 1
                    let asset = Asset(campaignID: campaignID, unitID: item.unitID, code: "\(item.unitCode)-\(number)", kind: item.kind,
                                      target: item.target, ports: item.ports, origin: .declared, note: item.note,
                                      review: pendingReview ? .pending : .approved)
                    if !pendingReview { asset.reviewedBy = actor.username; asset.reviewedAt = now }
                    try await asset.create(on: db)
                    try await AuditLog.append(on: db, audit, action: "asset.create", objectType: "asset", objectID: "\(campaign.code)/\(asset.code)",
                                              details: ["kind": item.kind.rawValue, "target": item.target, "review": asset.review.rawValue,
                                                        "source": "import"])
                    summary.created += 1
                }
            }
            try await AuditLog.append(on: db, audit, action: "campaign.import.assets", objectType: "campaign", objectID: campaign.code,
                                      details: ["created": "\(summary.created)", "updated": "\(summary.updated)",
                                                "unchanged": "\(summary.unchanged)", "review": pendingReview ? "pending" : "approved"])
            return summary
        }
    }
}

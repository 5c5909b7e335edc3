import Fluent
import Foundation
import PatrolCore
import PatrolSheet
import PatrolStore

/// Imports a units list (with liaisons) into a campaign from the sheet an office has (issue 19):
/// `plan` reads it against the database without writing, `apply` writes a plan in one
/// transaction. Known units are found by code, or by name when the list has no codes (附件1), so
/// importing the same file again changes nothing; new units get codes in the 2022 list's manner.
struct UnitImport {
    let db: any Database
    let actor: Actor
    let audit: AuditContext

    /// A known unit as the plan compares it.
    struct Known {
        var id: UUID
        var code, name, category: String
        var group: UnitGroup
        var parentID: UUID?
        var note: String?
        var liaisons: [UnitImportPlan.Liaison]
    }

    func plan(_ table: SheetTable, campaign: Campaign) async throws -> UnitImportPlan {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        let reading: UnitSheet.Reading
        do { reading = try UnitSheet.read(table) } catch { throw PatrolError.sheet(error) }
        if let missing = reading.header.missingRequired.first {
            throw PatrolError.invalid("error.import.missingColumn", keys: ["column": "import.unit.column.\(missing)"])
        }
        let known = try await knownUnits()
        let inCampaign = Set(try await CampaignUnit.query(on: db).filter(\.$campaign.$id == campaign.requireID()).all(\.$unit.$id))
        return UnitImportPlanner(reading: reading, source: table.source, known: known, inCampaign: inCampaign).plan()
    }

    /// Every unit with its liaisons, in two queries: a province has about 2,000.
    func knownUnits() async throws -> [Known] {
        let units = try await PatrolStore.Unit.query(on: db).all()
        var liaisons: [UUID: [UnitImportPlan.Liaison]] = [:]
        for l in try await Liaison.query(on: db).sort(\.$position).all() {
            liaisons[l.$unit.id, default: []].append(.init(name: l.name, phone: l.phone))
        }
        return try units.map { u in
            let id = try u.requireID()
            return Known(id: id, code: u.code, name: u.name, category: u.category, group: u.group, parentID: u.$parent.id,
                         note: u.note, liaisons: liaisons[id] ?? [])
        }
    }

    struct Summary: Sendable, Equatable {
        var created = 0, updated = 0, joined = 0, unchanged = 0
    }

    /// Writes `plan` into `campaign`, all of it or nothing.
    func apply(_ plan: UnitImportPlan, campaign: Campaign) async throws -> Summary {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        guard plan.problems.isEmpty else {
            throw PatrolError.invalid("error.import.hasProblems", ["n": "\(plan.problems.count)"])
        }
        let campaignID = try campaign.requireID()
        let audit = self.audit
        return try await db.transaction { db in
            var summary = Summary()
            var ids: [String: UUID] = [:]
            for item in plan.items { if let id = item.existingID { ids[item.code] = id } }
            let linked = Set(try await CampaignUnit.query(on: db).filter(\.$campaign.$id == campaignID).all(\.$unit.$id))
            // Units first, parents after: a parent may come later in the list.
            var models: [String: PatrolStore.Unit] = [:]
            for item in plan.items where item.action == .create || item.action == .update {
                let unit: PatrolStore.Unit
                if let id = item.existingID {
                    guard let found = try await PatrolStore.Unit.find(id, on: db) else { throw PatrolError.conflict("error.import.changed") }
                    unit = found
                } else {
                    unit = PatrolStore.Unit(code: item.code, name: item.name, category: item.category, group: item.group)
                }
                unit.name = item.name; unit.category = item.category; unit.group = item.group; unit.note = item.note
                try await unit.save(on: db)
                ids[item.code] = try unit.requireID()
                models[item.code] = unit
            }
            for item in plan.items where item.action == .create || item.action == .update {
                guard let unit = models[item.code] else { continue }
                let parentID = item.parentCode.flatMap { ids[$0] }
                if item.parentCode != nil, parentID == nil {
                    // The plan resolved it against units that exist: one removed meanwhile is a changed database.
                    if let code = item.parentCode, let found = try await PatrolStore.Unit.query(on: db).filter(\.$code == code).first() {
                        unit.$parent.id = try found.requireID()
                    } else { throw PatrolError.conflict("error.import.changed") }
                } else if unit.$parent.id != parentID {
                    unit.$parent.id = parentID
                }
                try await unit.save(on: db)
                let unitID = try unit.requireID()
                if let liaisons = item.liaisons {
                    try await Liaison.query(on: db).filter(\.$unit.$id == unitID).delete()
                    try await liaisons.enumerated().map { Liaison(unitID: unitID, name: $0.element.name, phone: $0.element.phone, position: $0.offset) }
                        .create(on: db)
                }
                var details = ["name": item.name, "category": item.category, "group": item.group.rawValue]
                if item.action == .update { details["changes"] = item.changes.joined(separator: ",") }
                if let liaisons = item.liaisons { details["liaisons"] = liaisons.map { "\($0.name) \(Self.masked($0.phone))" }.joined(separator: "; ") }
                try await AuditLog.append(on: db, audit, action: item.action == .create ? "unit.create" : "unit.update",
                                          objectType: "unit", objectID: item.code, details: details)
            }
            for item in plan.items {
                switch item.action {
                case .create: summary.created += 1
                case .update: summary.updated += 1
                case .join: summary.joined += 1
                case .unchanged: summary.unchanged += 1
                }
                guard let unitID = ids[item.code], !linked.contains(unitID) else { continue }
                let link = CampaignUnit(); link.$campaign.id = campaignID; link.$unit.id = unitID
                try await link.create(on: db)
                try await AuditLog.append(on: db, audit, action: "campaign.unit.join", objectType: "campaign",
                                          objectID: campaign.code, details: ["unit": item.code])
            }
            try await AuditLog.append(on: db, audit, action: "campaign.import.units", objectType: "campaign", objectID: campaign.code,
                                      details: ["created": "\(summary.created)", "updated": "\(summary.updated)",
                                                "joined": "\(summary.joined)", "unchanged": "\(summary.unchanged)"])
            return summary
        }
    }

    /// A phone as the audit log keeps it: enough to tell numbers apart, not a contact list.
    static func masked(_ phone: String) -> String {
        phone.count == 11 ? String(phone.prefix(3)) + "****" + String(phone.suffix(4)) : "****"
    }
}

import Fluent
import Foundation
import PatrolCore
import PatrolStore

/// The organiser adds a unit to a campaign, corrects it and its liaisons, or takes it out of the
/// campaign (issue 19), with no HTTP in sight. A unit exists once across campaigns; it is never
/// deleted, and leaves a campaign only while it has no findings there. Each change is checked,
/// then saved with its audit entry in one transaction; refusals name the field and value.
struct UnitRoster {
    let db: any Database
    let actor: Actor
    let audit: AuditContext

    /// A liaison as checked, the mobile normalised to 11 digits.
    struct CheckedLiaison: Equatable {
        var name, phone: String
        var officePhone, email: String?
    }

    /// Adds a new unit to `campaign`, or an existing unit's code to it as it is.
    func add(_ draft: UnitDraft, to campaign: Campaign) async throws -> PatrolStore.Unit {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        let code = draft.code?.trimmingCharacters(in: .whitespaces) ?? ""
        // `new` would be the path of the new-unit form.
        guard CampaignCode.isValid(code), code.lowercased() != "new" else { throw PatrolError.invalid("error.unit.code", ["code": code]) }
        let campaignID = try campaign.requireID()
        if let existing = try await PatrolStore.Unit.query(on: db).filter(\.$code == code).first() {
            let id = try existing.requireID()
            if try await CampaignUnit.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == id).count() > 0 {
                throw PatrolError.conflict("error.unit.inCampaign", ["code": code, "name": existing.name])
            }
            let audit = self.audit
            try await db.transaction { db in
                let link = CampaignUnit(); link.$campaign.id = campaignID; link.$unit.id = id
                try await link.create(on: db)
                try await AuditLog.append(on: db, audit, action: "campaign.unit.join", objectType: "campaign", objectID: campaign.code,
                                          details: ["unit": code])
            }
            return existing
        }
        let unit = PatrolStore.Unit(code: code, name: "", category: "", group: .department)
        let liaisons = try await apply(draft, to: unit)
        let audit = self.audit
        return try await db.transaction { db in
            try await unit.create(on: db)
            let id = try unit.requireID()
            try await Self.replace(liaisons, of: id, on: db)
            let link = CampaignUnit(); link.$campaign.id = campaignID; link.$unit.id = id
            try await link.create(on: db)
            try await AuditLog.append(on: db, audit, action: "unit.create", objectType: "unit", objectID: code,
                                      details: ["name": unit.name, "category": unit.category, "group": unit.group.rawValue,
                                                "liaisons": Self.auditText(liaisons), "campaign": campaign.code])
            return unit
        }
    }

    /// Corrects a unit (its code stays) and, when the draft gives them, its liaisons.
    func update(_ unit: PatrolStore.Unit, with draft: UnitDraft) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        let before = (unit.name, unit.category, unit.group, unit.$parent.id, unit.note)
        let id = try unit.requireID()
        let old = try await Liaison.query(on: db).filter(\.$unit.$id == id).sort(\.$position).all()
            .map { CheckedLiaison(name: $0.name, phone: $0.phone, officePhone: $0.officePhone, email: $0.email) }
        let liaisons = try await apply(draft, to: unit)
        var changes: [String: String] = [:]
        if before.0 != unit.name { changes["name"] = "\(before.0) → \(unit.name)" }
        if before.1 != unit.category { changes["category"] = "\(before.1) → \(unit.category)" }
        if before.2 != unit.group { changes["group"] = "\(before.2.rawValue) → \(unit.group.rawValue)" }
        if before.3 != unit.$parent.id { changes["parent"] = draft.parent ?? "" }
        if before.4 != unit.note { changes["note"] = unit.note ?? "" }
        if let liaisons, liaisons != old { changes["liaisons"] = Self.auditText(liaisons) }
        guard !changes.isEmpty else { return }
        let (audit, recorded) = (self.audit, changes)
        try await db.transaction { db in
            try await unit.save(on: db)
            if let liaisons, liaisons != old { try await Self.replace(liaisons, of: id, on: db) }
            try await AuditLog.append(on: db, audit, action: "unit.update", objectType: "unit", objectID: unit.code, details: recorded)
        }
    }

    /// Takes `unit` out of `campaign`, refused while the campaign holds its findings; its assets
    /// in the campaign go with it (nothing of other campaigns changes).
    func retire(_ unit: PatrolStore.Unit, from campaign: Campaign) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        let (campaignID, unitID) = (try campaign.requireID(), try unit.requireID())
        let findings = try await Finding.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == unitID).count()
        guard findings == 0 else { throw PatrolError.conflict("error.unit.hasFindings", ["name": unit.name, "n": "\(findings)"]) }
        let audit = self.audit
        try await db.transaction { db in
            let assets = try await Asset.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == unitID).count()
            try await Asset.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == unitID).delete()
            try await CampaignUnit.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == unitID).delete()
            try await AuditLog.append(on: db, audit, action: "campaign.unit.leave", objectType: "campaign", objectID: campaign.code,
                                      details: ["unit": unit.code, "assets": "\(assets)"])
        }
    }

    /// Checks `draft` and sets it on `unit`; the liaisons checked, or nil when the draft leaves them.
    func apply(_ draft: UnitDraft, to unit: PatrolStore.Unit) async throws -> [CheckedLiaison]? {
        let name = draft.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty, name.count <= 200 else { throw PatrolError.invalid("error.unit.name") }
        let category = draft.category?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !category.isEmpty else { throw PatrolError.invalid("error.unit.category") }
        let groupText = draft.group?.nonEmpty ?? ""
        guard let group = UnitGroup(rawValue: groupText) ?? UnitSheet.group(groupText) else {
            throw PatrolError.invalid("error.unit.group", ["group": groupText])
        }
        var parentID: UUID?
        if let parentCode = draft.parent?.trimmingCharacters(in: .whitespaces).nonEmpty {
            guard let parent = try await PatrolStore.Unit.query(on: db).filter(\.$code == parentCode).first() else {
                throw PatrolError.invalid("error.unit.parent", ["parent": parentCode])
            }
            // A parent may not be the unit itself, nor one of the units under it.
            var cursor: PatrolStore.Unit? = parent
            var hops = 0
            while let current = cursor, hops < 50 {
                if current.id != nil, current.id == unit.id { throw PatrolError.invalid("error.unit.parentCycle", ["parent": parentCode]) }
                cursor = try await current.$parent.get(on: db)
                hops += 1
            }
            parentID = try parent.requireID()
        }
        var liaisons: [CheckedLiaison]?
        if let rows = draft.liaisons {
            var checked: [CheckedLiaison] = []
            for (index, row) in rows.enumerated() {
                func clean(_ s: String?) -> String? { s?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty }
                let (lname, mobile, office, email) = (clean(row.name), clean(row.phone), clean(row.officePhone), clean(row.email))
                if lname == nil, mobile == nil, office == nil, email == nil { continue }
                let n = "\(index + 1)"
                guard let lname else { throw PatrolError.invalid("error.liaison.name", ["n": n]) }
                guard let mobile, let phone = Phone.normalizedMainlandMobile(mobile) else {
                    throw PatrolError.invalid("error.liaison.phone", ["name": lname, "phone": mobile ?? ""])
                }
                if let office, !CampaignOffice.isDialable(office) {
                    throw PatrolError.invalid("error.liaison.officePhone", ["name": lname, "phone": office])
                }
                if let email, !Self.looksLikeEmail(email) { throw PatrolError.invalid("error.liaison.email", ["name": lname, "email": email]) }
                checked.append(.init(name: lname, phone: phone, officePhone: office, email: email))
            }
            liaisons = checked
        }
        unit.name = name
        unit.category = category
        unit.group = group
        unit.$parent.id = parentID
        unit.note = draft.note?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        return liaisons
    }

    /// One `@`, something on both sides, a dot in the domain and no spaces: enough to catch a typo
    /// or a phone number in the wrong box; whether it reaches anyone only a mail would tell.
    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && !text.contains(where: \.isWhitespace)
    }

    static func replace(_ liaisons: [CheckedLiaison]?, of unitID: UUID, on db: any Database) async throws {
        guard let liaisons else { return }
        try await Liaison.query(on: db).filter(\.$unit.$id == unitID).delete()
        try await liaisons.enumerated().map {
            Liaison(unitID: unitID, name: $0.element.name, phone: $0.element.phone, position: $0.offset,
                    officePhone: $0.element.officePhone, email: $0.element.email)
        }.create(on: db)
    }

    static func auditText(_ liaisons: [CheckedLiaison]?) -> String {
        (liaisons ?? []).map { "\($0.name) \(UnitImport.masked($0.phone))" }.joined(separator: "; ")
    }
}

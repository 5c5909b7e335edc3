import Fluent
import Foundation
import PatrolCore
import PatrolSMS
import PatrolStore

/// Before testing starts, the organiser asks the units that have not declared their assets (or
/// whose declarations were all rejected) to do so, by SMS to their liaisons (issue 19). Written to
/// the outbox like every SMS, at most one per unit, phone and day, so pressing twice sends nothing twice.
struct DeclarationReminders {
    let db: any Database
    let actor: Actor
    let audit: AuditContext
    var now: Date = Date()

    struct Outcome: Sendable, Equatable {
        /// Units still to declare, messages written now, and units that have no liaison to write to.
        var units = 0, queued = 0, withoutLiaison = 0
    }

    func send(for campaign: Campaign) async throws -> Outcome {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageUnits))
        guard campaign.state.allowsAssetDeclaration else {
            throw PatrolError.conflict("error.declaration.closed", keys: ["state": "campaign.state.\(campaign.state.rawValue)"])
        }
        let campaignID = try campaign.requireID()
        let reviews = try await Asset.reviewCountsByUnit(campaignID: campaignID, on: db)
        let units = try await campaign.$units.query(on: db).with(\.$liaisons).sort(\.$code).all().filter { unit in
            let c = reviews[unit.id!] ?? [:]
            let status = DeclarationStatus(pending: c[.pending] ?? 0, approved: c[.approved] ?? 0, rejected: c[.rejected] ?? 0)
            return status == .none || status == .rejected
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "zh_CN")
        f.timeZone = campaign.zone
        f.dateFormat = "M月d日HH:mm"
        let deadline = f.string(from: campaign.startsAt)
        f.dateFormat = "yyyy-MM-dd"
        let day = f.string(from: now)
        let (audit, now, count) = (self.audit, self.now, units.count)
        return try await db.transaction { db in
            var outcome = Outcome(units: count)
            for unit in units {
                let phones = Set(unit.liaisons.map(\.phone)).sorted()
                if phones.isEmpty { outcome.withoutLiaison += 1; continue }
                let event = SMSEvent.declaration(unit: unit.name, campaign: campaign.name, deadline: deadline)
                for phone in phones {
                    let message = SMSMessage(campaignID: campaignID, event: event,
                                             dedupeKey: "declaration:\(campaign.code)/\(unit.code):\(phone):\(day)", phone: phone, now: now)
                    if try await SMSOutbox.enqueue(message, on: db) { outcome.queued += 1 }
                }
            }
            try await AuditLog.append(on: db, audit, action: "campaign.declaration.remind", objectType: "campaign", objectID: campaign.code,
                                      details: ["units": "\(outcome.units)", "queued": "\(outcome.queued)",
                                                "withoutLiaison": "\(outcome.withoutLiaison)"])
            return outcome
        }
    }
}

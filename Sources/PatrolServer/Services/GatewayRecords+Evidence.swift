import Fluent
import Foundation
import NIOCore
import PatrolCore
import PatrolGateway
import PatrolStore

/// What a reader does with a record: attach it to a finding as evidence, or replay it.
extension GatewayRecords {
    /// The campaign's findings the actor may attach a record to, newest code first (300 at most):
    /// a tester's own team's findings while they still take evidence.
    func attachableFindings() async throws -> [Finding] {
        let fq = try Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID())
        if case .some(let only) = AccessPolicy.visibleTeam(for: actor) {
            fq.filter(\.$team.$id == (only ?? UUID())).filter(\.$status ~~ [.submitted, .needInfo])
        }
        return try await fq.sort(\.$code, .descending).limit(300).all()
            .filter { AccessPolicy.decide(actor, .attachEvidence(unitID: $0.$unit.id, teamID: $0.$team.id, status: $0.status)) == .allow }
    }

    /// Adds the record to a finding as a text transcript (request and response, headers and bodies),
    /// its bytes kept in `evidence`; answers the finding.
    func attach(_ r: GatewayRecord, findingCode: String, evidence: EvidenceStore) async throws -> Finding {
        let code = findingCode.trimmingCharacters(in: .whitespaces)
        guard !code.isEmpty else { throw PatrolError.invalid("error.gateway.findingRequired") }
        guard let f = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$code == code).first() else {
            throw PatrolError.invalid("error.gateway.noFinding", ["code": String(code.prefix(30))])
        }
        try PatrolError.enforce(AccessPolicy.decide(actor, .viewFinding(unitID: f.$unit.id, teamID: f.$team.id, status: f.status)))
        try PatrolError.enforce(AccessPolicy.decide(actor, .attachEvidence(unitID: f.$unit.id, teamID: f.$team.id, status: f.status)))
        let transcript = GatewayRecordDTO(r, campaign: campaign.code, teams: teams, detail: true).transcript
        let data = Data(transcript.utf8)
        let stored = try evidence.save(data)
        let checked = EvidenceController.Checked(name: "gateway-\(r.id ?? 0).txt", size: data.count, kind: ContentSniffer.text, sha256: stored)
        let (actor, audit, campaign) = (self.actor, self.audit, self.campaign)
        try await db.transaction { db in
            _ = try await EvidenceController.record([checked], finding: f, campaign: campaign, on: db, actor: actor, audit: audit)
            try await AuditLog.append(on: db, audit, action: "gateway.record.attach", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["record": String(r.id ?? 0)])
        }
        return f
    }

    /// Replays the record through the gateway's checks — this process's `gateway` when it runs one,
    /// else with the system resolver and the default body cap; answers the new record. A refusal is a
    /// conflict naming the reason.
    func replay(_ r: GatewayRecord, gateway: Gateway?, eventLoop: any EventLoop) async throws -> GatewayRecord {
        let id: Int
        do {
            id = try await GatewayReplay.run(record: r, actorID: actor.userID, username: actor.username, db: db,
                                             eventLoop: eventLoop, resolver: gateway?.resolver ?? SystemResolver(),
                                             bodyCap: gateway?.view?.settings.bodyCapBytes ?? 64 * 1024, gateway: gateway)
        } catch let refusal as Refusal {
            throw PatrolError(.conflict, code: refusal.rawValue, key: "error.gateway.replayRefused", values: ["reason": refusal.rawValue])
        } catch let problem as GatewayReplay.Problem {
            throw PatrolError(.conflict, code: "not_replayable", key: "error.gateway.notReplayable", detail: problem.description)
        }
        try await AuditLog.append(on: db, audit, action: "gateway.record.replay", objectType: "gateway_record",
                                  objectID: String(r.id ?? 0), details: ["replay": String(id)])
        guard let replayed = try await GatewayRecord.find(id, on: db) else { throw PatrolError.notFound }
        return replayed
    }
}

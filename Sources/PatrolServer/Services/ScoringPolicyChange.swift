import Fluent
import PatrolCore
import PatrolStore

/// An admin revises a campaign's scoring policy, from the policy form or the API (SPEC §5): the
/// policy is checked as a whole and saved with its audit entry (the policy before and after) in one
/// transaction; saving the policy in force changes nothing and writes no entry.
struct ScoringPolicyChange {
    let db: any Database
    let actor: Actor
    /// Who acted, from where, for the audit log.
    let audit: AuditContext

    enum Refusal: Error, Equatable {
        /// Published scores keep the policy they were computed with.
        case published
        /// What is wrong with the policy, each naming its setting.
        case invalid([ScoringPolicyProblem])
    }

    /// Makes `policy` the campaign's; throws a `Refusal` when it may not be, and nothing is saved.
    func save(_ policy: ScoringPolicy, to campaign: Campaign) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageCampaigns))
        guard campaign.state != .published else { throw Refusal.published }
        let problems = policy.problems()
        guard problems.isEmpty else { throw Refusal.invalid(problems) }
        let before = campaign.scoringPolicyJSON
        campaign.scoringPolicy = policy
        guard campaign.scoringPolicyJSON != before else { return }
        let audit = self.audit
        try await db.transaction { db in
            try await campaign.save(on: db)
            try await AuditLog.append(on: db, audit, action: "scoring.policy", objectType: "campaign",
                                      objectID: campaign.code, details: ["from": before, "to": campaign.scoringPolicyJSON])
        }
    }
}

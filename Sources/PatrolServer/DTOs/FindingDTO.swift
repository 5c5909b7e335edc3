import Foundation
import PatrolCore
import PatrolStore
import Vapor

/// A finding as the API shows it. `status` is the public state of SPEC §3 (needInfo shows as
/// submitted, with `infoRequest`); liaisons are not told which team found it nor the review notes.
struct FindingDTO: Content {
    struct Remediation: Content {
        var submittedAt: Date
        var summary: String?
        var shellsRemoved: [String]
        var retest: String?
        var retestNote: String?
        var retestedAt: Date?
    }

    var code: String
    var unit: String
    var asset: String?
    var team: String?
    var kind: String
    var severity: String?
    var type: String?
    var title: String
    var description: String?
    var reproduction: String?
    var url: String?
    var weakPassword: Bool
    var sensitiveRecords: Int
    var shellPaths: [String]
    var status: String
    var infoRequest: String?
    var reviewNote: String?
    var duplicateOf: String?
    var notice: String?
    var submittedAt: Date
    var verifiedAt: Date?
    var notifiedAt: Date?
    var closedAt: Date?
    var remediations: [Remediation]?

    /// Needs the finding's unit, team, asset, notice and duplicate-of loaded or their codes given.
    init(_ f: Finding, unitCode: String, teamCode: String?, assetCode: String?, noticeCode: String?,
         duplicateOf: String?, reports: [RemediationReport]?, for actor: Actor) {
        let testingDetails = AccessPolicy.decide(actor, .viewTestingDetails) == .allow
        code = f.code; unit = unitCode; asset = assetCode
        team = testingDetails ? teamCode : nil
        kind = f.kind.rawValue; severity = f.severity?.rawValue; type = f.type; title = f.title
        description = f.description; reproduction = f.reproduction; url = f.url
        weakPassword = f.weakPassword; sensitiveRecords = f.sensitiveRecords; shellPaths = f.shellPaths
        status = FindingWorkflow.publicStatus(f.status).rawValue
        infoRequest = f.status == .needInfo ? f.reviewNote : nil
        reviewNote = testingDetails ? f.reviewNote : nil
        self.duplicateOf = duplicateOf; notice = noticeCode
        submittedAt = f.submittedAt; verifiedAt = f.verifiedAt; notifiedAt = f.notifiedAt; closedAt = f.closedAt
        remediations = reports?.map { r in
            let retest = r.latestRetest
            return Remediation(submittedAt: r.submittedAt, summary: r.description, shellsRemoved: r.shellsDeleted,
                               retest: retest?.result.rawValue, retestNote: retest?.reason, retestedAt: retest?.decidedAt)
        }
    }
}

struct NoticeDTO: Content {
    var code: String
    var unit: String
    var issuedAt: Date
    var findings: [String]
    /// The receipt (签收): when and by whom; nil until signed.
    var signedAt: Date?
    var signedBy: String?
}

extension NoticeDTO {
    /// A notice with its unit loaded, naming its findings by `findings` (their codes, in order).
    init(_ notice: Notice, findings: [String]) {
        self.init(code: notice.code, unit: notice.unit.code, issuedAt: notice.issuedAt, findings: findings,
                  signedAt: notice.signedAt, signedBy: notice.signedByName)
    }
}

struct SMSDTO: Content {
    var id: UUID?
    var event: String
    var phone: String
    var text: String
    var status: String
    var attempts: Int
    var createdAt: Date
    var sentAt: Date?
    var lastError: String?
}

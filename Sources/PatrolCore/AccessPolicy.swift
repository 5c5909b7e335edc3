import Foundation

/// Everything a route may ask permission for. Object-level actions carry the owner of the object
/// (its unit or team) so ownership is decided here, never in a handler.
public enum Action: Sendable, Equatable {
    case viewCampaigns
    case manageCampaigns
    case listUnits
    /// A unit's page and its assets.
    case viewUnit(unitID: UUID)
    /// Liaison names and phones: never shown to testers.
    case viewLiaisonContacts(unitID: UUID)
    case manageUnits
    /// The campaign-wide asset list (scope).
    case listAssets
    /// Add, edit or delete an asset of a unit; only before testing starts for liaisons.
    case declareAsset(unitID: UUID, campaignState: CampaignState)
    /// Record an asset found during testing (origin `discovered`) rather than declared by the unit.
    case recordDiscoveredAsset
    /// Mark an asset as an internal network, so its range may open special addresses to testers.
    case markInternalNetwork
    /// Approve or reject the assets a unit declared (only approved assets are in scope).
    case reviewAssets
    case listTeams
    /// The testing teams' members and every team's gateway activity: the organiser's supervision.
    case superviseTeams
    /// Each team's counts of findings submitted and counted.
    case viewTeamResults
    case manageTeams
    case manageUsers
    case viewAudit
    case changeOwnPassword
    /// The ranking. Liaisons only once published, and then only their own row.
    case viewScores(published: Bool)
    /// One unit's score card with its explanation.
    case viewUnitScore(unitID: UUID, published: Bool)
    /// Publish (freeze) the scores, or withdraw a publication.
    case publishScores
    /// One finding: reviewers and admins all, a tester their own team's, a liaison their unit's once
    /// notified; anything else is none of the actor's business (404).
    case viewFinding(unitID: UUID, teamID: UUID, status: FindingStatus)
    /// Submit a finding: a tester, for their own team.
    case submitFinding
    /// Edit and resubmit a finding after a request for information: its own team's testers.
    case editFinding(teamID: UUID)
    /// The findings list (filtered to what `viewFinding` allows).
    case listFindings
    /// Which testing team found a finding, and the reviewers' internal notes: units are not told
    /// which firm tested them, nor what the organiser noted for itself.
    case viewTestingDetails
    /// Verify, request information, reject, mark duplicate; and retest remediations.
    case reviewFindings
    /// Issue a notice (通报) to a unit.
    case issueNotice
    /// The notices list: staff all, a liaison their unit's.
    case listNotices
    /// A remediation report on a finding of the liaison's own unit.
    case submitRemediation(unitID: UUID)
    /// Sign for (签收) a notice to the liaison's own unit.
    case signNotice(unitID: UUID)
    /// The SMS outbox.
    case viewSMS
    /// Add a file to a finding: its team while it is under review, the unit's liaison while it
    /// is being remediated, reviewers and admins at any time.
    case attachEvidence(unitID: UUID, teamID: UUID, status: FindingStatus)
    /// The gateway page: the organiser's alerts and switches, a tester's proxy settings.
    case viewGateway
    /// Gateway records (the list is filtered to what `viewGatewayRecord` allows).
    case listGatewayRecords
    /// One gateway record: reviewers and admins all, a tester their own team's.
    case viewGatewayRecord(teamID: UUID?)
    /// Suspend or resume a team, switch interception.
    case controlGateway
    /// Send a recorded request again for a retest.
    case replayGatewayRecords
    /// The campaign's interception CA certificate (public, but only those who use or run the gateway need it).
    case downloadGatewayCA
    /// Rotate one's own gateway token.
    case rotateGatewayToken
}

/// What the policy says. A denial says how to answer: 401 to ask for a login, 403 when the actor
/// may know the object exists but may not act on it, 404 when the object is none of its business.
public enum AccessDecision: Sendable, Equatable {
    case allow
    case unauthenticated
    case forbidden(reason: String)
    case notFound
}

/// The one authorization policy (SPEC §1). Every route asks it; handlers hold no role checks.
public enum AccessPolicy {
    public static func decide(_ actor: Actor?, _ action: Action) -> AccessDecision {
        guard let actor else { return .unauthenticated }
        let role = actor.role
        switch action {
        case .changeOwnPassword, .viewCampaigns:
            return .allow
        case .manageCampaigns, .manageUnits, .manageTeams, .manageUsers, .viewAudit, .publishScores, .issueNotice, .viewSMS:
            return role == .admin ? .allow : .forbidden(reason: "admin only")
        case .listUnits, .listAssets:
            // Liaisons get a list filtered to their own unit (see `visibleUnit`).
            return .allow
        case .viewUnit(let unitID):
            if role == .liaison { return actor.unitID == unitID ? .allow : .notFound }
            return .allow
        case .viewLiaisonContacts(let unitID):
            switch role {
            case .admin, .reviewer, .observer: return .allow
            case .liaison: return actor.unitID == unitID ? .allow : .notFound
            case .tester: return .forbidden(reason: "testers never see liaison contacts")
            }
        case .declareAsset(let unitID, let state):
            switch role {
            case .admin: return .allow
            case .liaison:
                guard actor.unitID == unitID else { return .notFound }
                return state.allowsAssetDeclaration
                    ? .allow : .forbidden(reason: "assets can only be declared before the campaign runs")
            default: return .forbidden(reason: "only the unit's liaison or an admin")
            }
        case .listTeams:
            return role == .liaison ? .forbidden(reason: "liaisons do not see teams") : .allow
        case .superviseTeams:
            return role == .admin || role == .reviewer ? .allow : .forbidden(reason: "the organiser supervises the teams")
        case .viewTeamResults:
            switch role {
            case .admin, .reviewer, .observer: return .allow
            case .tester, .liaison: return .forbidden(reason: "teams' results are for the organiser and observers")
            }
        case .recordDiscoveredAsset:
            return role == .admin ? .allow : .forbidden(reason: "only the organiser records assets found during testing")
        case .markInternalNetwork:
            return role == .admin ? .allow : .forbidden(reason: "only the organiser opens internal networks to testers")
        case .reviewAssets:
            return role == .admin || role == .reviewer ? .allow : .forbidden(reason: "the organiser reviews declared assets")
        case .viewScores(let published):
            switch role {
            case .admin, .reviewer, .observer: return .allow
            case .liaison: return published ? .allow : .forbidden(reason: "scores are not published yet")
            case .tester: return .forbidden(reason: "testing teams do not see unit scores")
            }
        case .viewUnitScore(let unitID, let published):
            switch role {
            case .admin, .reviewer, .observer: return .allow
            case .liaison:
                guard actor.unitID == unitID else { return .notFound }
                return published ? .allow : .forbidden(reason: "scores are not published yet")
            case .tester: return .forbidden(reason: "testing teams do not see unit scores")
            }
        case .viewFinding(let unitID, let teamID, let status):
            switch role {
            case .admin, .reviewer: return .allow
            case .tester: return actor.teamID == teamID ? .allow : .notFound
            case .liaison: return actor.unitID == unitID && status.isNotified ? .allow : .notFound
            case .observer: return .notFound
            }
        case .submitFinding:
            return role == .tester && actor.teamID != nil ? .allow : .forbidden(reason: "only testers submit findings")
        case .editFinding(let teamID):
            if role == .tester { return actor.teamID == teamID ? .allow : .notFound }
            return role == .liaison || role == .observer ? .notFound : .forbidden(reason: "only the team's testers edit a finding")
        case .listFindings:
            return role == .observer ? .forbidden(reason: "observers see rankings and reports, not findings") : .allow
        case .viewTestingDetails:
            return role == .liaison ? .forbidden(reason: "units are not told which firm tested them") : .allow
        case .reviewFindings:
            return role == .admin || role == .reviewer ? .allow : .forbidden(reason: "reviewers only")
        case .listNotices:
            switch role {
            case .admin, .reviewer, .liaison: return .allow
            case .tester, .observer: return .forbidden(reason: "notices go to units")
            }
        case .submitRemediation(let unitID):
            if role == .liaison { return actor.unitID == unitID ? .allow : .notFound }
            return .forbidden(reason: "the unit's liaison reports remediation")
        case .signNotice(let unitID):
            if role == .liaison { return actor.unitID == unitID ? .allow : .notFound }
            return .forbidden(reason: "the unit's liaison signs for its notices")
        case .attachEvidence(let unitID, let teamID, let status):
            switch role {
            case .admin, .reviewer: return .allow
            case .tester:
                guard actor.teamID == teamID else { return .notFound }
                return status == .submitted || status == .needInfo ? .allow : .forbidden(reason: "the finding is no longer under review")
            case .liaison:
                guard actor.unitID == unitID, status.isNotified else { return .notFound }
                return status == .notified ? .allow : .forbidden(reason: "attachments go with a remediation report")
            case .observer: return .notFound
            }
        case .viewGateway, .listGatewayRecords, .downloadGatewayCA:
            switch role {
            case .admin, .reviewer: return .allow
            case .tester: return actor.teamID != nil ? .allow : .forbidden(reason: "a tester without a team has no gateway access")
            case .liaison, .observer: return .forbidden(reason: "the gateway is for the organiser and the testing teams")
            }
        case .viewGatewayRecord(let teamID):
            switch role {
            case .admin, .reviewer: return .allow
            case .tester: return teamID != nil && actor.teamID == teamID ? .allow : .notFound
            case .liaison, .observer: return .notFound
            }
        case .controlGateway:
            return role == .admin ? .allow : .forbidden(reason: "admin only")
        case .replayGatewayRecords:
            return role == .admin || role == .reviewer ? .allow : .forbidden(reason: "reviewers only")
        case .rotateGatewayToken:
            return role == .tester && actor.teamID != nil ? .allow : .forbidden(reason: "gateway tokens are for testers")
        }
    }

    /// The findings an actor may see in lists: the rule of `viewFinding` as a set.
    public static func findingScope(for actor: Actor) -> FindingScope {
        switch actor.role {
        case .admin, .reviewer: return .all
        case .tester: return actor.teamID.map(FindingScope.team) ?? .none
        case .liaison: return actor.unitID.map(FindingScope.notifiedOfUnit) ?? .none
        case .observer: return .none
        }
    }

    /// The findings counted on a campaign's overview: what the actor may see, except that
    /// observers, who open no finding, see the campaign's totals.
    public static func findingCountScope(for actor: Actor) -> FindingScope {
        actor.role == .observer ? .all : findingScope(for: actor)
    }

    /// A team filter for gateway records and the findings they may be attached to: `nil` means
    /// every team, otherwise only this one (a tester's own; none for a tester without a team).
    public static func visibleTeam(for actor: Actor) -> UUID?? {
        actor.role == .tester ? .some(actor.teamID) : .none
    }

    /// Which assets a list shows the actor: testers see the scope they may test (approved assets
    /// only), the organiser and units see declarations under review and rejected ones too.
    public static func visibleAssetReviews(for actor: Actor) -> Set<AssetReview> {
        actor.role == .tester ? [.approved] : Set(AssetReview.allCases)
    }

    /// A unit filter for lists: `nil` means every unit, otherwise only this one.
    public static func visibleUnit(for actor: Actor) -> UUID?? {
        actor.role == .liaison ? .some(actor.unitID) : .none
    }
}

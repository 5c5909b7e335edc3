import FluentKit

/// The numbered migrations, in order. Frozen once landed: change the schema with a new one.
public enum PatrolMigrations {
    public static let all: [any Migration] = [
        CreateCampaign(), CreateUnit(), CreateTeam(), CreateUser(), CreateAsset(), CreateNotice(),
        CreateFinding(), CreateRemediation(), CreateEvidenceFile(), CreateSMSMessage(), CreateAuditEvent(),
        AddScorePublication(), CreateSetting(), CreateGatewayRecord(), AddScopeVersion(), AddAssetInternalNetwork(),
        AddAssetReview(), AddCampaignOffice(), AddTeamContact(), AddLiaisonContacts(), AddForeignKeyIndexes(), AddListIndexes(),
        AddScoreDataVersion(), AddFindingOrderIndexes(), AddNoticeReceipt(),
    ]
}

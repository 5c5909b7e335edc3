import Vapor

/// Every route of Patrol, in one place. Each is registered with its access rule (`endpoint`).
func routes(_ app: Application) throws {
    app.endpoint(.GET, .healthz, access: .anonymous) { _ in HTTPStatus.ok }

    try app.register(collection: AuthController())
    try app.register(collection: CampaignController())
    try app.register(collection: CampaignSetupController())
    try app.register(collection: ImportController())
    try app.register(collection: UnitController())
    try app.register(collection: UnitSetupController())
    try app.register(collection: AssetController())
    try app.register(collection: AssetReviewController())
    try app.register(collection: TeamController())
    try app.register(collection: TeamSetupController())
    try app.register(collection: UserController())
    try app.register(collection: AuditController())
    try app.register(collection: ScoreController())
    try app.register(collection: FindingController(maxBytes: app.patrolOptions.uploadMaxBytes))
    try app.register(collection: FindingAPIController(maxBytes: app.patrolOptions.uploadMaxBytes))
    try app.register(collection: NoticeController())
    try app.register(collection: SMSController())
    try app.register(collection: EvidenceController(maxBytes: app.patrolOptions.uploadMaxBytes))
    try app.register(collection: GatewayController())
    try app.register(collection: OpenAPIController())
}

/// Where an asset stands in the organiser's review (SPEC §2): a liaison's declaration is
/// `pending` until a reviewer or admin approves it, or rejects it with a reason. Only approved
/// assets are in the gateway's scope, so a unit cannot open a target to testers by declaring it.
public enum AssetReview: String, Codable, Sendable, CaseIterable {
    case pending, approved, rejected

    /// Whether testers may reach the asset through the gateway.
    public var isInScope: Bool { self == .approved }

    /// The review an asset gets when `role` saves it: the organiser's own entries need no second
    /// look; a liaison's new or changed declaration waits for one.
    public static func onSave(by role: Role?) -> AssetReview {
        switch role {
        case .admin, .reviewer, nil: return .approved
        case .liaison, .tester, .observer: return .pending
        }
    }
}

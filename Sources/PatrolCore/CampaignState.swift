/// The life of a campaign: draft → running → closed → published (SPEC §2).
public enum CampaignState: String, Codable, Sendable, CaseIterable {
    case draft, running, closed, published

    /// Units may declare and correct their assets only before testing starts.
    public var allowsAssetDeclaration: Bool { self == .draft }
}

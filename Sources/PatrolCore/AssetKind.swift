/// What an asset's target is (SPEC §2).
public enum AssetKind: String, Codable, Sendable, CaseIterable {
    case website, domain, ip, cidr, cloud, app, other
}

/// Whether the unit reported the asset (报送) or testers found it (an unreported asset).
public enum AssetOrigin: String, Codable, Sendable, CaseIterable {
    case declared, discovered
}

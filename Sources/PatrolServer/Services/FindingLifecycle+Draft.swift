import Fluent
import Foundation
import PatrolCore
import PatrolStore

extension FindingLifecycle {
    /// Applies the submitted fields to a finding, checking each; `creating` requires the essentials.
    func apply(_ body: FindingDraft, to f: Finding, campaign: Campaign, creating: Bool) async throws {
        func text(_ value: String?, _ field: String, max: Int) throws -> String? {
            guard let v = value?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            guard v.count <= max else { throw PatrolError.invalid("error.finding.tooLong", ["field": field, "n": String(max)]) }
            return v
        }
        if creating || body.unit != nil {
            guard let code = body.unit?.nonEmpty else { throw PatrolError.invalid("error.finding.missing", ["field": "unit"]) }
            guard let unit = try await PatrolStore.Unit.query(on: db).filter(\.$code == code).first(),
                  try await CampaignUnit.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                    .filter(\.$unit.$id == unit.requireID()).first() != nil else {
                throw PatrolError.invalid("error.unit.unknown", ["code": code])
            }
            f.$unit.id = try unit.requireID()
        }
        if creating || body.kind != nil {
            guard let k = body.kind?.nonEmpty else { throw PatrolError.invalid("error.finding.missing", ["field": "kind"]) }
            guard let kind = FindingKind(rawValue: k) else { throw PatrolError.invalid("error.finding.kind", ["kind": k]) }
            f.kind = kind
        }
        if let a = body.asset?.nonEmpty {
            guard let asset = try await Asset.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$code == a).first() else { throw PatrolError.invalid("error.finding.asset", ["asset": a]) }
            guard asset.$unit.id == f.$unit.id else { throw PatrolError.invalid("error.finding.assetOfOtherUnit", ["asset": a]) }
            f.$asset.id = try asset.requireID()
        } else if body.asset != nil || creating {
            f.$asset.id = nil
        }
        if f.kind != .assetDiscrepancy, f.$asset.id == nil {
            throw PatrolError.invalid("error.finding.missing", ["field": "asset"])
        }
        if let s = body.severity?.nonEmpty {
            guard let severity = Severity(rawValue: s) else { throw PatrolError.invalid("error.finding.severity", ["severity": s]) }
            f.severity = severity
        }
        if f.kind == .vulnerability, f.severity == nil { throw PatrolError.invalid("error.finding.missing", ["field": "severity"]) }
        if f.kind != .vulnerability { f.severity = nil }
        if let t = body.type?.nonEmpty {
            guard let type = FindingType(keyOrName: t) else {
                throw PatrolError.invalid("error.finding.type", ["type": t, "allowed": FindingType.allCases.map(\.name).joined(separator: "、")])
            }
            f.type = type.name
        }
        if creating || body.title != nil {
            guard let title = try text(body.title, "title", max: 200) else { throw PatrolError.invalid("error.finding.missing", ["field": "title"]) }
            f.title = title
        }
        if creating || body.description != nil { f.description = try text(body.description, "description", max: 20_000) }
        if creating || body.reproduction != nil { f.reproduction = try text(body.reproduction, "reproduction", max: 20_000) }
        if let u = try text(body.url, "url", max: 2_000) {
            guard let url = URL(string: u), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw PatrolError.invalid("error.finding.url", ["url": u])
            }
            f.url = u
        } else if creating || body.url != nil { f.url = nil }
        if let w = body.weakPassword { f.weakPassword = w } else if creating { f.weakPassword = false }
        if let n = body.sensitiveRecords {
            guard n >= 0 else { throw PatrolError.invalid("error.finding.negative", ["field": "sensitiveRecords"]) }
            f.sensitiveRecords = n
        } else if creating { f.sensitiveRecords = 0 }
        if let paths = body.shellPaths {
            let cleaned = try paths.compactMap { try text($0, "shellPaths", max: 1_000) }
            guard cleaned.count <= 50 else { throw PatrolError.invalid("error.finding.tooMany", ["field": "shellPaths", "n": "50"]) }
            f.shellPaths = cleaned
        } else if creating { f.shellPaths = [] }
    }
}

import FluentKit
import Foundation
import PatrolCore

/// A unit under inspection (被检测单位). Its code is stable across campaigns.
public final class Unit: Model, @unchecked Sendable {
    public static let schema = "units"

    @ID(key: .id) public var id: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "category") public var category: String
    @Field(key: "group") public var group: UnitGroup
    @OptionalParent(key: "parent_id") public var parent: Unit?
    @OptionalField(key: "note") public var note: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    @Children(for: \.$unit) public var liaisons: [Liaison]
    /// The campaigns it takes part in (its code is the same in each).
    @Siblings(through: CampaignUnit.self, from: \.$unit, to: \.$campaign) public var campaigns: [Campaign]

    public init() {}

    public init(code: String, name: String, category: String, group: UnitGroup, note: String? = nil) {
        self.code = code
        self.name = name
        self.category = category
        self.group = group
        self.note = note
    }
}

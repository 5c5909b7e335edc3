import FluentKit
import Foundation

/// One admin setting (e.g. `PATROL_SMS_PROVIDER`), overriding the environment variable of the same name.
public final class Setting: Model, @unchecked Sendable {
    public static let schema = "settings"
    @ID(key: .id) public var id: UUID?
    @Field(key: "key") public var key: String
    @Field(key: "value") public var value: String
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?
    public init() {}

    /// All stored settings whose name starts with `prefix`.
    public static func all(prefix: String, on db: any Database) async throws -> [String: String] {
        let rows = try await Setting.query(on: db).all()
        return Dictionary(rows.filter { $0.key.hasPrefix(prefix) }.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// Writes the values (an empty value removes the setting), in the caller's transaction.
    public static func store(_ values: [String: String], on db: any Database) async throws {
        for (key, value) in values {
            let existing = try await Setting.query(on: db).filter(\.$key == key).first()
            if value.isEmpty {
                try await existing?.delete(on: db)
            } else if let existing {
                existing.value = value
                try await existing.save(on: db)
            } else {
                let s = Setting()
                s.key = key
                s.value = value
                try await s.create(on: db)
            }
        }
    }
}

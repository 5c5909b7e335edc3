import FluentKit
import Foundation
import PatrolCore

/// One entry of the append-only audit log, chained by hash to the one before (`AuditChain`).
public final class AuditEvent: Model, @unchecked Sendable {
    public static let schema = "audit_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "seq") public var seq: Int
    @Field(key: "at") public var at: Date
    @OptionalField(key: "actor_id") public var actorID: UUID?
    /// The username at the time (or `system`, `cli`), kept even if the user is renamed.
    @Field(key: "actor") public var actor: String
    @Field(key: "client_address") public var clientAddress: String
    @Field(key: "action") public var action: String
    @Field(key: "object_type") public var objectType: String
    @Field(key: "object_id") public var objectID: String
    /// What changed (JSON object).
    @Field(key: "details") public var details: String
    @Field(key: "prev_hash") public var prevHash: String
    @Field(key: "hash") public var hash: String

    public init() {}

    var chainEntry: AuditChain.Entry {
        .init(seq: seq, at: at, actor: actor, clientAddress: clientAddress, action: action, objectType: objectType,
              objectID: objectID, details: details, prevHash: prevHash, hash: hash)
    }
}

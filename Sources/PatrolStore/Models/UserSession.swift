import FluentKit
import Foundation

/// A signed-in session: a web cookie or an API bearer token. Only the SHA-256 of the secret is
/// kept, so a copy of the database does not let anyone sign in.
public final class UserSession: Model, @unchecked Sendable {
    public static let schema = "user_sessions"

    public enum Kind: String, Codable, Sendable { case web, api }

    @ID(key: .id) public var id: UUID?
    @Field(key: "token_hash") public var tokenHash: String
    @Parent(key: "user_id") public var user: User
    @Field(key: "kind") public var kind: Kind
    @Field(key: "client_address") public var clientAddress: String
    @Field(key: "created_at") public var createdAt: Date
    /// Idle timeout is measured from here.
    @Field(key: "last_seen_at") public var lastSeenAt: Date

    public init() {}

    public init(tokenHash: String, userID: UUID, kind: Kind, clientAddress: String, now: Date) {
        self.tokenHash = tokenHash
        self.$user.id = userID
        self.kind = kind
        self.clientAddress = clientAddress
        self.createdAt = now
        self.lastSeenAt = now
    }
}

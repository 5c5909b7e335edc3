import FluentKit
import Foundation

/// A unit's network-security liaison (联络员): who receives notices by SMS.
public final class Liaison: Model, @unchecked Sendable {
    public static let schema = "liaisons"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "unit_id") public var unit: Unit
    @Field(key: "name") public var name: String
    /// Mainland mobile number, 11 digits.
    @Field(key: "phone") public var phone: String
    @Field(key: "position") public var position: Int
    /// The office line, as printed (`0519-85681234`), and an email: for calls, never for SMS.
    @OptionalField(key: "office_phone") public var officePhone: String?
    @OptionalField(key: "email") public var email: String?

    public init() {}

    public init(unitID: UUID, name: String, phone: String, position: Int, officePhone: String? = nil, email: String? = nil) {
        self.$unit.id = unitID
        self.name = name
        self.phone = phone
        self.position = position
        self.officePhone = officePhone
        self.email = email
    }
}

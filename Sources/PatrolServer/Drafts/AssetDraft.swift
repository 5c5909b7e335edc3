import Vapor

/// An asset as a unit's liaison (or the admin) declares or corrects it: the web form posts it as is,
/// and the API's create and update bodies are turned into it, so `AssetRegister` checks one shape.
struct AssetDraft: Content {
    var kind: String
    var target: String
    var ports: String?
    var origin: String?
    var note: String?
}

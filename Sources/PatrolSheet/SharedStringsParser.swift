/// Reads `xl/sharedStrings.xml`. A string item is either one `<t>` or rich-text runs `<r><t>…`,
/// whose texts are joined; phonetic guides (`<rPh>`, furigana) are not part of the value.
final class SharedStringsParser: PartParser {
    private(set) var strings: [String] = []
    private var item: String?
    private var inText = false
    private var phoneticDepth = 0

    override func didStart(_ name: Substring, attributes: [String: String]) {
        switch name {
        case "si": item = ""
        case "t": inText = item != nil && phoneticDepth == 0
        case "rPh": phoneticDepth += 1
        default: break
        }
    }

    override func didEnd(_ name: Substring) {
        switch name {
        case "si":
            strings.append(OOXMLEscapes.decode(item ?? ""))
            item = nil
        case "t": inText = false
        case "rPh": phoneticDepth -= 1
        default: break
        }
    }

    override func foundText(_ text: String) {
        if inText { item?.append(text) }
    }
}

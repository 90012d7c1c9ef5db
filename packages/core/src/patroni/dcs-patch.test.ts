import { dcsPatch } from "./dcs-patch";

describe("dcsPatch", () => {
    const slot = { type: "logical", database: "appdb", plugin: "pgoutput" };

    it("names a permanent slot the stack dropped with null, so PATCH /config removes it", () => {
        expect(dcsPatch({ ttl: 20, slots: { b: slot } }, { ttl: 30, slots: { a: slot, b: slot } })).toEqual({ ttl: 20, slots: { b: slot, a: null } });
        expect(dcsPatch({ slots: {} }, { slots: { a: slot } })).toEqual({ slots: { a: null } });
    });

    it("leaves the document as it is when nothing was dropped (a removed slot is not named again)", () => {
        expect(dcsPatch({ slots: { a: slot } }, { slots: { a: slot } })).toEqual({ slots: { a: slot } });
        expect(dcsPatch({ slots: {} }, {})).toEqual({ slots: {} });
        expect(dcsPatch({ ttl: 20 }, { slots: { a: slot } })).toEqual({ ttl: 20 }); // a document without the section does not manage it
    });
});

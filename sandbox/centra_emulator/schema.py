"""The part of Centra's Integration API schema the emulator serves: every root field the bridge calls and the
input types of their arguments, so that an argument Centra's schema refuses (an unknown field, a missing
required field, a wrong scalar, an enum value that does not exist, two fields in an "exactly one input field"
input) is refused here as GraphQL validation refuses it, before any handler runs.

Sources, per type below:
- [V: centra.dev/graphql/<type>.html] the generated schema reference (type names lower-cased in the URL);
- [V: C1] centrahq/api-documentation @cdb82b5~1 pages/04.guides/02.erp-gql-integration/docs.md (example calls);
- [V: events] …/05.api-references/02.graphql-integration-api/08.events-system/docs.md (example calls);
- [U: …] not published where we looked; the emulator's reading, listed in docs/platforms.md.
"Exactly one input field should be provided" in the reference is GraphQL's @oneOf. Output types are not
modelled (each root field answers the opaque scalar `Payload`): the emulator answers whole nodes, and
selection sets are not checked. A type we could only partly read keeps the fields we could read and `Unread`
(any value) for the ones whose type we could not; a field not listed is refused.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    build_schema,
    specified_rules,
    validate,
)
from graphql.validation import NoUnusedFragmentsRule

SDL = '''
scalar Payload
# a value whose type we could not read in the reference [U]
scalar Unread
# ISO 8601 or a PHP date string (C1: 2022-06-23 15:47:12, now, -1 hour)
scalar DateTimeTz

directive @oneOf on INPUT_OBJECT

type Query {
  # [V: C1 "orders(where: { number: 14 })"; C2 "orders(limit: 10, page: $page)"; contract 4.1]
  orders(where: OrderFilter, limit: Int, page: Int): Payload
  # [V: centra.dev/graphql/customerfilter.html; C1 "customers(where: {email: {equals: …}})"]
  customers(where: CustomerFilter, limit: Int, page: Int): Payload
  # [U: AccountFilter is unpublished]
  accounts(where: AccountFilter, limit: Int, page: Int): Payload
  # [U: the root field and its arguments; ProductVariant.productSizes is documented]
  productVariants(limit: Int, page: Int): Payload
  # [U: the root field; Pricelist.currency is documented]
  pricelists(limit: Int, page: Int): Payload
  # [V: events]
  eventListeners: Payload
  # [V: events "events(where: {objectType: [...], changeType: [...], storeId, marketId}, limit: 200)"]
  events(where: EventFilter, limit: Int): Payload
}

type Mutation {
  setStock(input: StockSetInput!): Payload                  # [V: C1 "setStock(input: {...})"]
  setPrices(input: ProductPricesSetInput!): Payload         # [V: C1 "setPrices(input: {...})"]
  createShipment(input: ShipmentCreateInput!): Payload      # [V: C1]
  completeShipment(id: Int!, input: ShipmentCompleteInput): Payload  # [V: C1 "completeShipment(id: 345, input:"]
  confirmEvents(input: EventsConfirmInput!): Payload        # [V: events "confirmEvents(input: {eventsIds: [...]})"]
  createAccount(input: AccountCreateInput!): Payload        # [V: centra.dev/graphql/accountcreateinput.html]
  updateAccount(id: Int!, input: AccountUpdateInput!): Payload  # [V: centra.dev/graphql/accountupdateinput.html]
}

# ---- orders ----
# [U: the OrderFilter page was not found; these are the fields of the documented calls (C1, C2), their list
# types a reading (a single literal is accepted for a list either way)]
input OrderFilter { id: [String!] number: [Int!] createdAt: DateTimeRangeFilter }
input DateTimeRangeFilter { from: DateTimeTz to: DateTimeTz }   # [V: C2 "createdAt: {from, to}"; type name U]

# ---- customers [V: centra.dev/graphql/customerfilter.html; field types other than id/email Unread] ----
input CustomerFilter {
  id: [Int!] email: StringMatch status: Unread firstName: Unread lastName: Unread birthdate: Unread
  gender: Unread cellPhoneNumber: Unread phoneNumber: Unread createdAt: Unread updatedAt: Unread
  lastLoginAt: Unread isAnonymized: Unread countryId: Unread languageId: Unread marketId: Unread
  pricelistId: Unread storeId: Unread totalOrders: Unread externalId: Unread search: Unread notNull: Unread
  negate: Unread
}
# [V: "Exactly one input field should be provided" (customerfilter.html); `equals` (C1); StringMatch's other
# fields were not found, so they are refused here (assumed)]
input StringMatch @oneOf { equals: String }

# ---- wholesale accounts ----
input AccountFilter { id: [Int!] externalId: [String!] name: Unread status: Unread }   # [U]
enum AccountStatus { ACTIVE INACTIVE CANCELLED }    # [V: C1 "active, inactive or canceled"; value names U]
input MarketInput @oneOf { id: Int }                 # [V: b2b examples "market: {id}"]
input PricelistInput @oneOf { id: Int }              # [V: C1 "pricelist: { id: 23 }"]
input NullableCountryInput @oneOf { id: Int code: String }   # [V: createBuyer example "{code: "SE"}"]
input AccountMainAddressInput {                      # [V: centra.dev/graphql/accountmainaddressinput.html]
  companyName: String attention: String address1: String address2: String country: NullableCountryInput
  stateOrProvince: String city: String zipCode: String phoneNumber: String faxNumber: String email: String
}
input AccountCreateInput {                           # [V: centra.dev/graphql/accountcreateinput.html]
  name: String! status: AccountStatus! market: MarketInput! pricelist: PricelistInput!
  externalId: String accountAddress: AccountMainAddressInput
  internalComment: Unread otherComment: Unread websiteUrl: Unread creditLimit: Unread discounts: Unread
  applyCreditLimit: Unread blockIfUnpaidInvoices: Unread hasBrandsRestriction: Unread isInternal: Unread
  carrierInformation: Unread allocationRule: Unread paymentTerms: Unread shippingTerms: Unread
  salesRepresentative: Unread taxClass: Unread documentTemplate: Unread addBrands: Unread
  addVisibleForAgents: Unread shippingAddress: Unread billingAddress: Unread
}
input AccountUpdateInput {                           # [V: centra.dev/graphql/accountupdateinput.html]
  name: String status: AccountStatus market: MarketInput pricelist: PricelistInput
  externalId: String accountAddress: AccountMainAddressInput
  internalComment: Unread otherComment: Unread websiteUrl: Unread creditLimit: Unread discounts: Unread
  applyCreditLimit: Unread blockIfUnpaidInvoices: Unread hasBrandsRestriction: Unread isInternal: Unread
  carrierInformation: Unread allocationRule: Unread paymentTerms: Unread shippingTerms: Unread
  salesRepresentative: Unread taxClass: Unread documentTemplate: Unread addBrands: Unread
  addVisibleForAgents: Unread shippingAddress: Unread billingAddress: Unread removeBrands: Unread
  removeVisibleForAgents: Unread
}

# ---- the Events system [V: events] ----
input EventFilter { objectType: [EventObjectType!] changeType: [EventChangeType!] storeId: Int marketId: Int }
# the object types the events docs name [U: the full list is longer; the bridge uses Order]
enum EventObjectType { Product ProductVariant Order Shipment Return AdminUser }
enum EventChangeType { CREATED UPDATED DELETED COMPLETED DEPENDENT_DATA_CHANGED }
input EventsConfirmInput { eventsIds: [Int!]! }    # [V: events "eventsIds: [1, 2, 3, 100]"; type name U]

# ---- stock ----
input StockSetInput {                                # [V: centra.dev/graphql/stocksetinput.html]
  warehouse: WarehouseInput! description: String! productVariants: [ProductVariantStockSetInput!]
  productSizes: [Unread!] stockQuantityType: StockQuantityType!
}
enum StockQuantityType { PHYSICAL }                  # [V: C1 "stockQuantityType: PHYSICAL"; other values U]
input WarehouseInput @oneOf { id: Int }              # [V: C1 "warehouse: {id: 1}"; other fields U]
input ProductVariantStockSetInput {                  # [V: centra.dev/graphql/productvariantstocksetinput.html]
  productVariant: ProductVariantInput! sizeStockLevels: [ProductSizeStockSetInput!]! unitCost: MonetaryValueInput
}
input ProductSizeStockSetInput { size: SizeInput! quantity: Int! }  # [V: …/productsizestocksetinput.html]
input SizeInput @oneOf { id: Int name: String }      # [V: C1 "size: {name: "XL"}"; id U]
input ProductVariantInput @oneOf { id: Int }         # [V: C1 "productVariant: {id: 1445}"]

# ---- prices ----
# [V: centra.dev/graphql/productpricessetinput.html]
input ProductPricesSetInput { pricelist: PricelistInput! productPrices: [ProductPriceInput!]! }
input ProductPriceInput {                            # [V: centra.dev/graphql/productpriceinput.html]
  product: ProductInput! price: MonetaryValueInput recommendedRetailPrice: MonetaryValueInput
  # `Boolean!` in the reference; the guide's examples leave it out ("false # by default", C1)
  overrideIndividualVariantPrices: Boolean! = false
  individualVariantPrices: [ProductVariantPriceInput!]
}
input ProductInput @oneOf { id: Int }                # [V: C1 "product: {id: 2}"]
# [V: centra.dev/graphql/productvariantpriceinput.html: productVariant and two MonetaryValueInputs; C1 names
# one `price`, the other's name U (left out, so it is refused)]
input ProductVariantPriceInput { productVariant: ProductVariantInput! price: MonetaryValueInput }
# [V: C1 "{ value: 290, currencyIsoCode: "EUR" }"; scalar types and non-null U]
input MonetaryValueInput { value: Float! currencyIsoCode: String! }

# ---- shipments ----
input ShipmentCreateInput {                          # [V: centra.dev/graphql/shipmentcreateinput.html; the tail
  order: OrderInput! lines: [ShipmentLineInput!]     #  of the page after shippedAt, from C1's examples]
  deliveryGroup: Unread isGoodToGo: Boolean isPaid: Boolean createdAt: DateTimeTz shippedAt: DateTimeTz
  capture: Boolean sendEmail: Boolean additionalMessage: String allocateDemand: Boolean
  shipmentInfo: ShipmentInfoInput
}
input OrderInput @oneOf { id: String number: Int externalId: String }  # [V: centra.dev/graphql/orderinput.html]
input ShipmentLineInput { orderLine: OrderLineInput! quantity: Int! }   # [V: …/shipmentlineinput.html]
input OrderLineInput @oneOf { id: Int }              # [V: C1 "orderLine: { id: 17635 }"]
input ShipmentCompleteInput {                        # [V: centra.dev/graphql/shipmentcompleteinput.html]
  shippedAt: DateTimeTz shipmentInfo: ShipmentInfoInput sendEmail: Boolean additionalMessage: String
}
input ShipmentInfoInput {                            # [V: centra.dev/graphql/shipmentinfoinput.html]
  carrier: String service: String shipmentMethodPlugin: Unread packagesNumber: Int trackingNumber: String
  returnTrackingNumber: String internalShippingCost: MonetaryValueInput
}
'''

SCHEMA = build_schema(SDL)
# fragments are dropped with the selection sets (outputs are not modelled), so "unused fragment" is no error
_RULES = [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]


def refusals(document: DocumentNode) -> list[str]:
    """What Centra's schema refuses in the operation's arguments (messages as graphql-core words them);
    [] when the arguments are valid. Selection sets and fragments are not checked (outputs unmodelled)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return ["emulator: send exactly one operation"]
    operation = operations[0]
    fields = [FieldNode(name=f.name, alias=f.alias, arguments=f.arguments, directives=f.directives)
              for f in operation.selection_set.selections if isinstance(f, FieldNode)]
    stripped = DocumentNode(definitions=(OperationDefinitionNode(
        operation=operation.operation, name=operation.name, variable_definitions=operation.variable_definitions,
        directives=operation.directives, selection_set=operation.selection_set.__class__(selections=tuple(fields))),))
    errors: list[GraphQLError] = validate(SCHEMA, stripped, _RULES)
    return [error.message for error in errors]

"""The backends' pieces, each implementing a port of `tickets.ports`: one module a piece, or one
package for the DynamoDB store, which has a module per kind of item."""
